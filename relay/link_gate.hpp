#pragma once

#include <cstddef>
#include <string_view>
#include <unordered_map>

#include "common/net/asio.hpp"

namespace ferry::relay {

// Room on the link port for connections whose LINK is not read yet (unauthenticated). Strangers
// share a few places, at most a handful from one address, so that a flood from anywhere cannot
// take the room of the cluster's relays: each address a relay advertises in Redis has places of
// its own (docs/relay-operations.md, "Limits of the link port"). Single-threaded.
class link_gate {
  public:
    static constexpr std::size_t max_strangers = 32;    // from all unknown addresses together
    static constexpr std::size_t max_per_stranger = 4;  // from one unknown address (its /64)
    static constexpr std::size_t max_per_relay = 64;    // from one known relay's address

    // "" if a connection from `from` may wait for its LINK (it is counted until leave()), else
    // why not. `known`: `from` is the address of a relay of the cluster.
    std::string_view admit(const asio::ip::address& from, bool known);
    void leave(const asio::ip::address& from, bool known);
    [[nodiscard]] std::size_t pending() const { return strangers_ + relays_; }

  private:
    std::unordered_map<asio::ip::address, std::size_t> per_address_;
    std::size_t strangers_ = 0;
    std::size_t relays_ = 0;
};

}  // namespace ferry::relay
