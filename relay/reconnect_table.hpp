#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <unordered_map>

#include "common/net/asio.hpp"
#include "common/wire/relay_frame.hpp"
#include "relay/pairing_table.hpp"

namespace ferry::relay {

// Clients waiting to be paired again after their connection broke (RECONNECT): keyed by the
// rendezvous id and role, which the two sides of one session derive alike; the relay learns
// nothing from them but that two connections belong together. Single-threaded like the
// pairing table.
class reconnect_table {
  public:
    using id = std::array<std::uint8_t, relay_proto::rendezvous_id_size>;

    // The other side of `session`, waiting: taken out of the table, or null.
    waiting_sender* take_partner(const id& session, relay_proto::role side);
    // Registers a waiting client; returns the one it replaces (the same side's earlier try,
    // now stale), or null.
    waiting_sender* wait(const id& session, relay_proto::role side, waiting_sender& w,
                         const asio::ip::address& from);
    // Removes `w` if it is still registered.
    void leave(const id& session, relay_proto::role side, const waiting_sender& w);

    // True while either side of `session` waits here.
    [[nodiscard]] bool contains(const id& session) const;

    // Pairs made by a RECONNECT, running. A new RECONNECT of the same session means that its
    // side found its connection of that pair dead, while the other side may not know yet (its
    // own path is fine and silent): `drop(side)` shuts down the pair's connection of that side,
    // so that what it already delivered still crosses and the other side then sees the end.
    // `owner` tells one pair of the session from the next: an old pair's end, noted after a
    // newer pair registered, leaves the newer one's hook in place.
    void pair_running(const id& session, const void* owner,
                      std::function<void(relay_proto::role)> drop);
    void pair_ended(const id& session, const void* owner);
    // Drops `side`'s connection of the running pair of `session`; true if there was one.
    bool end_running(const id& session, relay_proto::role side);

    [[nodiscard]] std::size_t waiting() const { return entries_.size(); }
    [[nodiscard]] std::size_t waiting_from(const asio::ip::address& from) const;

  private:
    struct entry {
        waiting_sender* client;
        asio::ip::address from;
    };
    static std::string key(const id& session, relay_proto::role side);
    void forget(std::unordered_map<std::string, entry>::iterator it);

    std::unordered_map<std::string, entry> entries_;
    std::unordered_map<asio::ip::address, std::size_t> per_address_;
    struct running_pair {
        const void* owner;
        std::function<void(relay_proto::role)> drop;
    };
    std::unordered_map<std::string, running_pair> running_;
};

}  // namespace ferry::relay
