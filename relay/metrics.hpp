#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/deadline.hpp"
#include "relay/share.hpp"

namespace ferry::relay {

// How one client's session with the relay ended: a pair's end, a wait that came to nothing, or a
// refusal. Never anything per user: these are the labels of ferry_relay_sessions_ended_total.
enum class outcome : std::uint8_t {
    completed,           // a pair whose two directions both ended in order
    ended_early,         // ... in order, but before the key exchange completed (ended_early())
    idle_timeout,        // a pair with no byte either way for --idle-timeout
    connection_lost,     // a pair one of whose clients reset or vanished
    relay_stopped,       // a pair cut when the relay stopped
    left_while_pairing,  // a client left between the claim and PAIRED
    sender_left,         // a sender (or a share's receiver) left while waiting
    no_receiver,         // nobody came within --sender-wait (or to a RECONNECT)
    relay_stopping,      // a wait ended by the relay stopping
    unknown_nameplate,   // a claim of a nameplate nobody waits on
    nameplate_taken,     // a claim of a nameplate already paired
    refused_by_limit,    // see limit below
    bad_hello,           // garbage, a truncated first frame, a frame out of place
    hello_timeout,       // no first frame within --hello-timeout
    not_joined,          // a share's receiver that its sender did not take in time
    share_ended,         // a share's receiver still waiting when its share ended
    unknown_ticket,      // a JOIN whose receiver is gone (or never was)
    replaced,            // a RECONNECT replaced by a newer one of the same side
    count_
};

// The limit that refused a session (ferry_relay_refusals_total).
enum class limit : std::uint8_t {
    sessions,                 // --max-sessions
    waiting_per_address,      // --max-waiting-per-address
    connections,              // --max-connections
    connections_per_address,  // --max-connections-per-address
    failed_claims,            // --failed-claims-per-minute
    share_waiting,            // --max-share-waiting
    proxy_from,               // --proxy-from
    shutting_down,            // a new session while the relay stops
    cluster_unavailable,      // a clustered relay that cannot reach Redis
    count_
};

// How a link ended that this relay opened to another relay of its cluster, for a client whose
// nameplate (or reconnect) that relay holds (ferry_relay_links_total).
enum class link_outcome : std::uint8_t {
    completed,        // both directions ended in order
    connection_lost,  // a reset, on either hop
    idle_timeout,     // no byte either way for --idle-timeout
    relay_stopped,    // cut when this relay stopped
    unreachable,      // the other relay could not be reached
    count_
};

std::string_view label(outcome o);

// The sender's part of a completed key exchange: its SPAKE2 record (4-byte length, 0x10, a 65-byte
// point) and its key confirmation (4, 0x11, 32), docs/protocol.md §2.1. It sends the confirmation
// only once the receiver's matched, so a pair whose sender sent less never got past the key
// exchange: a wrong code, or a side that left (Ctrl-C) before any record of the transfer.
inline constexpr std::uint64_t sender_key_exchange_bytes = 70 + 37;
[[nodiscard]] constexpr bool ended_early(std::uint64_t sender_to_receiver) {
    return sender_to_receiver < sender_key_exchange_bytes;
}
std::string_view label(limit l);
std::string_view label(link_outcome o);

// A Prometheus histogram of durations in seconds, with fixed upper bounds.
class histogram {
  public:
    explicit histogram(std::vector<double> bounds);
    void observe(clock::duration d);
    // The _bucket, _sum and _count lines of `name` (its HELP and TYPE are the caller's).
    void render(std::string& out, std::string_view name) const;

  private:
    std::vector<double> bounds_;
    std::vector<std::uint64_t> counts_;  // per bucket, not cumulative; the last is +Inf
    double sum_ = 0;
    std::uint64_t count_ = 0;
};

// What is true right now, read from the server when the metrics are scraped.
struct relay_gauges {
    std::size_t connections = 0;
    std::size_t sessions = 0;
    std::size_t senders_waiting = 0;
    std::size_t pairs_active = 0;
    std::size_t shares_open = 0;
    std::size_t share_receivers_waiting = 0;
    std::size_t reconnects_waiting = 0;
    // Bytes moved so far by the pairs still running, added to the ended pairs' counts.
    std::uint64_t running_sender_to_receiver = 0;
    std::uint64_t running_receiver_to_sender = 0;
    // A relay of a cluster only (the ferry_relay_cluster_* and link families are left out
    // otherwise).
    bool clustered = false;
    bool cluster_up = false;
    std::uint64_t cluster_errors = 0;
    std::size_t leases = 0;        // nameplates and reconnects held in Redis
    std::size_t relays = 0;        // relays listed in Redis (ferry:relays), this one too
    std::size_t links_active = 0;  // links opened by this relay, moving bytes
};

// The relay's counters, on its one thread (no locks: the metrics endpoint runs there too), and
// their Prometheus text exposition (format 0.0.4), documented in docs/relay-operations.md.
class relay_metrics {
  public:
    relay_metrics();

    void accepted() { ++accepted_; }
    void ended(outcome o) { ++ended_.at(static_cast<std::size_t>(o)); }
    // A session refused by `l`: counted there and as ended by outcome::refused_by_limit.
    void refused(limit l);
    void paired(clock::duration waited) { pairing_wait_.observe(waited); }
    // A pair's end: its bytes each way, how long it ran and how it ended.
    void pair_ended(std::uint64_t sender_to_receiver, std::uint64_t receiver_to_sender,
                    clock::duration took, outcome o);
    void share_opened() { ++shares_opened_; }
    void share_closed(share_end why) { ++shares_ended_.at(static_cast<std::size_t>(why)); }
    void share_joined() { ++share_joins_; }
    // A link this relay opened ended: bytes counted as relayed (each hop counts what it moved),
    // but no session (the relay at the other end counts it).
    void link_ended(std::uint64_t sender_to_receiver, std::uint64_t receiver_to_sender,
                    link_outcome o);
    // A link from another relay: accepted (authentic, fresh) or refused.
    void link_accepted() { ++links_accepted_; }
    void link_refused() { ++links_refused_; }

    [[nodiscard]] std::uint64_t ended_count(outcome o) const {
        return ended_.at(static_cast<std::size_t>(o));
    }

    [[nodiscard]] std::string render(const relay_gauges& now) const;

  private:
    void render_counters(std::string& out, const relay_gauges& now) const;
    void render_cluster(std::string& out, const relay_gauges& now) const;

    std::uint64_t accepted_ = 0;
    std::array<std::uint64_t, static_cast<std::size_t>(outcome::count_)> ended_{};
    std::array<std::uint64_t, static_cast<std::size_t>(limit::count_)> refusals_{};
    std::array<std::uint64_t, 5> shares_ended_{};  // by share_end
    std::uint64_t shares_opened_ = 0;
    std::uint64_t share_joins_ = 0;
    std::array<std::uint64_t, static_cast<std::size_t>(link_outcome::count_)> links_{};
    std::uint64_t links_accepted_ = 0;
    std::uint64_t links_refused_ = 0;
    std::uint64_t sender_to_receiver_ = 0;  // of the pairs that ended
    std::uint64_t receiver_to_sender_ = 0;
    histogram pairing_wait_;
    histogram transfer_duration_;
    double started_at_;  // Unix time, seconds (process_start_time_seconds)
};

}  // namespace ferry::relay
