#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/net/asio.hpp"

namespace ferry::relay {

using std::chrono::milliseconds;

// Every limit the relay enforces; the flags of `ferry relay` set them (docs/relay-operations.md).
struct limits {
    milliseconds hello_timeout{10'000};  // a new connection must say hello within this
    milliseconds sender_wait{600'000};   // a sender waits this long for its receiver
    milliseconds idle_timeout{300'000};  // a pair with no byte either way for this long is closed
    // Once one side of a pair has closed or failed, the other must end within this: a client
    // whose path went silent (a NAT that forgot it) holds no pair until the idle timeout.
    milliseconds half_close{30'000};
    milliseconds grace{30'000};       // on SIGINT/SIGTERM, running pairs get this long
    std::size_t max_sessions = 1000;  // nameplates in use (waiting or paired)
    // A share (SHARE): its sender must send a frame (PING) at least this often; it lasts at
    // most max_share_time; at most max_share_waiting receivers wait for their JOIN at once.
    milliseconds share_idle{60'000};
    milliseconds max_share_time{86'400'000};
    std::size_t max_share_waiting = 64;
    // A share (ferry 0.10) whose control connection drops is kept this long for its sender to
    // come back (RESUME_SHARE); a share's nameplate, once the share ended, is given to no one
    // for share_quarantine (no one else can pose as the share to its receivers).
    milliseconds share_grace{60'000};
    milliseconds share_quarantine{600'000};
    std::size_t max_waiting_per_address = 20;
    std::size_t max_connections = 4096;  // open client connections of any kind
    std::size_t max_connections_per_address = 64;
    bool proxy_protocol = false;  // expect a PROXY v1/v2 header first (behind HAProxy etc.)
    // With proxy_protocol: the proxies allowed to send that header (empty: any peer). A client
    // reaching the port directly could otherwise claim any address in a header of its own.
    std::vector<asio::ip::address> proxy_from;
    std::uint32_t first_nameplate_range = 999;  // nameplates 1..this first
    // The nameplate of a pair that ended stays kept this long for its sender's REOPEN (its
    // receiver declined: the sender waits again under the same code).
    milliseconds reopen_hold{30'000};
    std::size_t failed_claims_per_minute = 10;  // per source address
    std::size_t buffer_size = 128 * 1024;       // per direction per pair
    bool splice = true;  // move bytes with splice(2) where possible (false: read/write copies)
    // Bad hellos and connections refused over a cap: the first after a quiet spell is logged on
    // its own, the rest in one summary line per this interval.
    milliseconds log_interval{10'000};
};

}  // namespace ferry::relay
