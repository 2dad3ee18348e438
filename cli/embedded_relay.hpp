#pragma once

#include <cstdint>
#include <memory>
#include <thread>

#include "common/net/asio.hpp"
#include "relay/server.hpp"

namespace ferry::cli {

// LAN mode: the sender's own relay, on all interfaces (IPv4 and IPv6), on its own thread, for
// the lifetime of one `ferry send` (one pair) or `ferry share` (`share`: a pair per receiver).
class embedded_relay {
  public:
    explicit embedded_relay(std::uint16_t port, bool share = false);
    ~embedded_relay();
    embedded_relay(const embedded_relay&) = delete;
    embedded_relay& operator=(const embedded_relay&) = delete;

    [[nodiscard]] std::uint16_t port() const { return port_; }

  private:
    asio::io_context io_;
    std::unique_ptr<relay::server> server_;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

}  // namespace ferry::cli
