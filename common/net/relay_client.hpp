#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/net/address.hpp"
#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "common/ui/exit_code.hpp"
#include "common/wire/wire_error.hpp"

// The client side of the relay hello: connect, then allocate (sender) or claim (receiver).
namespace ferry {

// Resolves and connects, trying each address; failure(network) with the reason if none answers.
awaitable<tcp::socket> connect_relay(const host_port& relay, clock::duration timeout);

// Connects to a known endpoint (a LAN sender's relay); failure(network) if it does not answer.
awaitable<tcp::socket> connect_endpoint(const tcp::endpoint& endpoint, clock::duration timeout);

// Sender: asks for a nameplate.
awaitable<std::uint32_t> allocate_nameplate(tcp::socket& socket);
// Sender whose receiver declined: asks to wait again under the nameplate it had. Throws
// failure(peer) naming why if the relay cannot keep it (an older relay, another sender has it).
awaitable<void> reopen_nameplate(tcp::socket& socket, std::uint32_t nameplate);
// Sender: waits until a receiver has claimed the nameplate (the relay bounds this wait).
awaitable<void> wait_paired(tcp::socket& socket);
// Receiver: claims the nameplate; returns once paired.
awaitable<void> claim_nameplate(tcp::socket& socket, std::uint32_t nameplate);

// A relay that does not know RECONNECT (older than ferry 0.6): reconnecting through it cannot
// work, and the break that led to it is what to report.
class reconnect_unsupported : public failure {
  public:
    using failure::failure;
};

// Either side after a broken connection: asks the relay to pair it with the peer again by the
// session's rendezvous id (the other side sends the same id with the other role); returns once
// paired, or throws failure(network) after `timeout`.
awaitable<void> rejoin(tcp::socket& socket, const std::array<std::uint8_t, 16>& id, bool as_sender,
                       clock::duration timeout);

// A new connection to the relay (by name, or a LAN sender's relay by its endpoint), paired
// again with the peer by rejoin(). Parameters by value: these outlive their caller's frame.
awaitable<tcp::socket> reconnect_via(host_port relay, std::array<std::uint8_t, 16> id,
                                     bool as_sender, clock::duration timeout);
awaitable<tcp::socket> reconnect_via(tcp::endpoint relay, std::array<std::uint8_t, 16> id,
                                     bool as_sender, clock::duration timeout);

// A relay older than ferry 0.8 (it answers SHARE with ERROR 1): it cannot host a share.
class share_unsupported : public failure {
  public:
    using failure::failure;
};

inline constexpr std::size_t share_ticket_size = 16;
using share_ticket = std::array<std::uint8_t, share_ticket_size>;
struct share_arrival {
    share_ticket ticket{};
    std::string address;  // made printable
};

// The relay ended a share (an ERROR on its control connection): what it said.
class share_ended_by_relay : public failure {
  public:
    using failure::failure;
};
// A relay of ferry 0.8/0.9: it hosts shares, but cannot keep one across a lost connection.
class share_not_resumable : public failure {
  public:
    using failure::failure;
};
// RESUME_SHARE refused: the relay holds no such share (it restarted, or the share ended there).
class share_gone : public failure {
  public:
    using failure::failure;
};

// Sender of a share (ferry 0.10), on a new connection: SHARE 0x01; the nameplate and the token
// that lets a new control connection take over. Throws share_unsupported as open_share() does
// for a relay older than 0.8 (ERROR 1 naming type 0x05), share_not_resumable for another ERROR 1
// (a relay of 0.8/0.9: open_share() on a new connection then), failure for other errors.
struct share_opening {
    std::uint32_t nameplate = 0;
    share_ticket token{};
};
awaitable<share_opening> open_resumable_share(tcp::socket& control);
// On a new connection: RESUME_SHARE; returns once the relay answered SHARE_OPENED (this is the
// share's control connection from now on). Throws share_gone for ERROR 11, failure otherwise.
awaitable<void> resume_share(tcp::socket& control, std::uint32_t nameplate,
                             const share_ticket& token);
// END_SHARE: the share ends now, the relay need not keep it for a comeback.
awaitable<void> end_share(tcp::socket& control);
// PING every `every`, and failure(network, "no answer from the relay for ...") once nothing was
// heard from it (`heard`, set by next_arrival()) for `silence`: a path that drops everything
// is noticed. Runs until it throws or is cancelled; the only writer on the control connection.
awaitable<void> watch_share_control(tcp::socket& control, const clock::time_point& heard,
                                    clock::duration every, clock::duration silence);

// Sender of a share, on a new connection: SHARE, returns the nameplate. Throws share_unsupported
// (exit_code::network, message "the relay is older than ferry 0.8 and cannot host a share
// (<relay's text>); upgrade it, or share with --lan") for ERROR 1, failure for other errors.
awaitable<std::uint32_t> open_share(tcp::socket& control);
// The next receiver that claimed the share's nameplate (PONGs are skipped; `heard`, if given, is
// set to the time of every frame). Throws share_ended_by_relay (exit_code::network) with the
// relay's reason when the relay ends the share, failure(network) when the connection closes.
awaitable<share_arrival> next_arrival(tcp::socket& control, clock::time_point* heard = nullptr);
// Sends PING on the control connection every `every` (default 20 s), forever (until cancelled,
// e.g. raced); the only writer on the control connection. Throws failure(network) if a write
// fails. next_arrival() may read the same socket meanwhile: one only reads, the other only writes.
awaitable<void> keep_share_alive(tcp::socket& control,
                                 clock::duration every = std::chrono::seconds(20));
// On a new connection: JOIN for the receiver of `ticket`; returns once PAIRED. failure(peer,
// "the receiver left before its transfer started") for ERROR 11/5, failure(network) otherwise.
awaitable<void> join_share(tcp::socket& socket, std::uint32_t nameplate,
                           const share_ticket& ticket);

// Asks a relay who it is: returns its PONG text (e.g. "ferry-relay 0.2.0").
awaitable<std::string> ping_relay(tcp::socket& socket);

// Whether the relay at `relay` answers a PING on a new connection within `timeout`.
awaitable<bool> relay_answers(const host_port& relay, clock::duration timeout);

// What to report when the connection through the relay ended before the transfer did. A socket
// error (a reset, a timeout) is "connection to the relay lost: <cause>" (exit 3). An EOF alone
// cannot tell a relay that died from a peer that left: the relay is asked (PING, a few seconds);
// if it answers, the peer left (exit 5, `peer_left`), else the relay is gone (exit 3). Without a
// relay of its own (LAN mode: the relay is the sender's), an EOF is the peer leaving. `detail`,
// if any, is added in parentheses to the relay-lost message ("after 4 MiB of 8 MiB; ...").
struct lost_connection_text {
    std::string peer_left;  // the whole message for a peer that left
    std::string detail;
};
awaitable<failure> explain_lost_connection(const std::optional<host_port>& relay,
                                           const connection_closed& closed,
                                           const lost_connection_text& text);

}  // namespace ferry
