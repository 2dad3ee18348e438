#pragma once

#include <chrono>

#include "common/net/deadline.hpp"

// Every wait of a client belongs to a phase, and each phase has its own inactivity limit, set
// where the phase starts (deadline::enter). The README's "Timeouts" table lists them; keep the
// two in step.
namespace ferry::phases {

// Connecting to the relay and its answer to ALLOCATE or CLAIM.
inline constexpr phase relay_hello{"talking to the relay", std::chrono::seconds(30)};
// The sender waiting for its receiver: the relay bounds this (--sender-wait) and says so.
inline constexpr phase waiting_for_peer{"waiting for the receiver", std::chrono::hours(24)};
// SPAKE2, key confirmation and the transfer HELLOs.
inline constexpr phase key_exchange{"the key exchange", std::chrono::minutes(5)};
// The sender waiting for ACCEPT: the receiver's KEEPALIVEs (every 15 s) move this deadline,
// and the receiver bounds the question itself (--accept-timeout).
inline constexpr phase waiting_for_accept{"waiting for the receiver to accept",
                                          std::chrono::minutes(2)};
// From the offer to VERIFIED: no byte either way for this long ends the transfer.
inline constexpr phase data{"the transfer", std::chrono::minutes(5)};

// Short waits inside a phase, named so that each is one constant wherever it is used.
// Opening a TCP connection to a relay or a LAN peer (connect_relay, connect_endpoint).
inline constexpr auto connect_within = std::chrono::seconds(10);
// Saying ABORT (or a relay's ERROR) on the way out: a peer that does not take it in this long is
// not waited for.
inline constexpr auto abort_grace = std::chrono::seconds(2);
// The relay's refusal of a client (an ERROR frame before the close).
inline constexpr auto refusal_grace = std::chrono::seconds(1);

}  // namespace ferry::phases
