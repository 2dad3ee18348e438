#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "relay/system_random.hpp"

namespace ferry::relay {

// A sender waiting for its receiver. Lives in the sender's coroutine frame; the claimer moves
// the receiver's socket in and cancels `wake`.
struct waiting_sender {
    explicit waiting_sender(asio::any_io_executor ex) : wake(std::move(ex)) {}
    asio::steady_timer wake;
    std::optional<tcp::socket> receiver;
    std::string receiver_address;   // for the log: the real address, also behind a proxy
    asio::ip::address receiver_ip;  // counted against the connection limits until the pair ends
    bool shutting_down = false;
    bool replaced = false;  // a RECONNECT: a newer try of the same side took its place
};

class share;

// Nameplates in use: waiting (a sender and no receiver yet) or paired. Single-threaded: only
// touched from the relay's io_context thread.
class pairing_table {
  public:
    // first_range_max: the top of the first range (999; an embedded LAN relay uses 99999 so
    // that two senders on one network rarely pick the same nameplate).
    // hold_for: how long the nameplate of a pair that ended stays kept for its sender's
    // REOPEN (a receiver that declined: the sender waits again under the same code).
    explicit pairing_table(std::uint32_t first_range_max = 999,
                           clock::duration hold_for = std::chrono::seconds(30));

    // A random free nameplate from 1-999, or from the next decade range when those are all in use.
    std::uint32_t allocate(waiting_sender& sender, const asio::ip::address& from);
    // The same for a share: its nameplate stays waiting (counted in waiting_from) until released.
    std::uint32_t allocate(share& host, const asio::ip::address& from);

    // A relay of a cluster: up to `n` distinct random nameplates of range `range` (0: 1-999, 1:
    // 1000-9999, ...) that are free here, for Redis to pick one that is free everywhere; and the
    // one picked, registered.
    std::vector<std::uint32_t> candidates(std::size_t range, std::size_t n);
    void insert(std::uint32_t nameplate, waiting_sender& sender, const asio::ip::address& from);
    void insert(std::uint32_t nameplate, share& host, const asio::ip::address& from);

    enum class claim_status { ok, unknown, taken, share };
    struct claim_result {
        claim_status status;
        waiting_sender* sender = nullptr;  // ok
        share* host = nullptr;             // share
    };
    // On ok the nameplate is paired from now on: any further claim gets `taken`. A share's
    // nameplate answers `share` to every claim.
    claim_result claim(std::uint32_t nameplate);
    // The share hosted under `nameplate`, or null.
    [[nodiscard]] share* find_share(std::uint32_t nameplate) const;

    // Frees a nameplate; one that was paired is held for its sender's REOPEN for hold_for.
    void release(std::uint32_t nameplate, clock::time_point now = clock::now());

    // REOPEN: the nameplate held for `from` waits again with `sender` (ok). `ending`: its pair
    // (a sender from `from`) has not ended here yet, try again once it has (watch()).
    enum class reopen_status { ok, ending, taken, unknown };
    reopen_status reopen(std::uint32_t nameplate, waiting_sender& sender,
                         const asio::ip::address& from, clock::time_point now = clock::now());
    // `wake` is cancelled when the pair of `nameplate` ends; unwatch() before it goes away.
    void watch(std::uint32_t nameplate, asio::steady_timer& wake);
    void unwatch(std::uint32_t nameplate);

    // A share's nameplate once the share has ended: given to no one until `until` (a claim finds
    // no sender, no REOPEN takes it), so that no one else can take it and pose as the share to
    // receivers who still hold its code.
    void quarantine(std::uint32_t nameplate, clock::time_point until);

    // Nameplates held for a REOPEN or quarantined are no sessions.
    [[nodiscard]] std::size_t sessions() const { return entries_.size() - held_; }
    [[nodiscard]] std::size_t waiting_from(const asio::ip::address& from) const;

  private:
    struct entry {
        waiting_sender* sender;  // null once paired
        share* host;             // a share's nameplate: never paired
        asio::ip::address from;
        std::optional<clock::time_point> held_until;  // a pair that ended, kept for a REOPEN
        asio::steady_timer* reopen_wake = nullptr;    // a REOPEN waiting for the pair's end
        bool quarantined = false;                     // held_until: a share that ended, for no one
    };
    void drop_expired_holds(clock::time_point now);
    std::uint32_t pick_free();
    std::uint32_t add(const entry& e);
    void stop_waiting(entry& e);

    std::unordered_map<std::uint32_t, entry> entries_;
    std::unordered_map<asio::ip::address, std::size_t> waiting_per_address_;
    system_random random_;  // a CSPRNG: nameplates must not be predictable
    std::uint32_t first_range_max_;
    clock::duration hold_for_;
    std::size_t held_ = 0;
};

}  // namespace ferry::relay
