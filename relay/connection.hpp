#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/net/asio.hpp"
#include "common/wire/relay_frame.hpp"
#include "common/wire/wire_error.hpp"
#include "relay/pairing_table.hpp"
#include "relay/pipe.hpp"
#include "relay/share.hpp"

// The relay server's own view of a client connection and the small I/O helpers its parts
// (connection.cpp, server*.cpp) share. Not for use outside relay/.
namespace ferry::relay {

enum class phase { hello, waiting, piping };
// What a connection asked for in its hello: for the gauges of the metrics.
// `forwarded`: a client whose hello went over a link to the relay holding its nameplate.
enum class role { unknown, sender, receiver, reconnect, share, share_receiver, join, forwarded };

// One accepted client. Lives in its handler's coroutine frame; registered in the server so that
// stop() can reach its sockets.
struct connection {
    tcp::socket socket;
    std::string address;
    asio::ip::address ip;
    phase state = phase::hello;
    waiting_sender* waiting = nullptr;  // while waiting
    bool handed_over = false;           // a receiver whose socket went to its sender
    tcp::socket* peer = nullptr;        // while piping: the receiver's socket, owned by this frame
    share* hosted = nullptr;            // a share's control connection: its share, in this frame
    role kind = role::unknown;
    const pipe_result* piped = nullptr;  // while piping: its live byte counts, in this frame
    bool swapped = false;                // piped's a_to_b is the receiver's direction
    bool via_link = false;  // its hello came over a link from another relay of the cluster
};

// "203.0.113.7:51234" or "[2001:db8::1]:51234" (an IPv4-mapped address as IPv4).
std::string endpoint_text(const tcp::endpoint& ep);
// The address limits count by: ::ffff:a.b.c.d is a.b.c.d.
asio::ip::address client_ip(const tcp::endpoint& ep);
// One frame to the client; false if the write failed (the client is gone).
awaitable<bool> send_frame(tcp::socket& socket, const relay_proto::frame& f);
// Tells the client why it is being closed, waits at most phases::refusal_grace for that to be
// written, closes. Callers pass named values or literals only (text is a view that must outlive
// the call): (docs/architecture.md, GCC 12 and co_await).
awaitable<void> refuse(tcp::socket& socket, relay_proto::error_code code, std::string_view text);

// Feeds a reader that asks for exact sizes (wanted(), then commit(n) until it returns true: the
// PROXY header, a LINK) from the socket, never reading past it. Throws connection_closed with
// `what` if the peer goes first, and whatever the reader throws.
template <typename Reader>
awaitable<void> read_exactly(tcp::socket& socket, Reader& reader, const char* what) {
    for (;;) {
        auto want = reader.wanted();
        auto [ec, n] = co_await socket.async_read_some(asio::buffer(want.data(), want.size()),
                                                       asio::experimental::as_tuple(use_awaitable));
        if (ec) throw connection_closed(what);
        if (reader.commit(n)) co_return;
    }
}

}  // namespace ferry::relay
