#include "common/net/relay_client.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include <fmt/format.h>

#include "common/net/phases.hpp"
#include "common/net/race.hpp"
#include "common/net/read_frame.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "common/wire/frame_reader.hpp"
#include "common/wire/relay_frame.hpp"

namespace ferry {

namespace rp = relay_proto;
using asio::experimental::as_tuple;

namespace {

[[noreturn]] void throw_relay_error(const rp::frame& f) {
    const auto text = printable(f.text);
    switch (f.error) {
        case rp::error_code::unknown_nameplate:
        case rp::error_code::nameplate_taken:
            throw failure(
                exit_code::wrong_code,
                fmt::format("{}: check the code, or ask the sender to start again", text));
        case rp::error_code::no_receiver:
            throw failure(exit_code::peer, fmt::format("the relay gave up waiting: {}", text));
        default:
            throw failure(exit_code::network, fmt::format("the relay refused: {}", text));
    }
}

// How long a relay may take to answer a client's first frame (ALLOCATE, CLAIM, PING, SHARE...):
// it answers at once, so a silent server is not a ferry relay (or not one that works). Counted
// from the frame sent, on a connection already open: not phases::connect_within.
constexpr auto first_answer_within = std::chrono::seconds(10);

std::string peer_text(const tcp::socket& socket) {
    std::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    if (ec) return "the relay";
    const auto address = peer.address();
    return address.is_v6() ? fmt::format("[{}]:{}", address.to_string(), peer.port())
                           : fmt::format("{}:{}", address.to_string(), peer.port());
}

// What a server that is not a relay answered, as a person would read it: its first line (an
// HTTP status line, an SSH banner), from the header read so far and what else already came.
std::string first_line(tcp::socket& socket, byte_span header) {
    std::string said(as_chars(header));
    std::array<char, 120> more{};
    std::error_code ec;
    socket.non_blocking(true, ec);
    const auto n = socket.read_some(asio::buffer(more), ec);
    if (!ec) said.append(more.data(), n);
    if (const auto eol = said.find_first_of("\r\n"); eol != std::string::npos) said.resize(eol);
    constexpr std::size_t longest = 60;
    if (said.size() > longest) {
        said.resize(longest);
        said += "...";
    }
    return printable(said);
}

// Any frame, an ERROR included. Bytes that cannot start a relay frame prove the server at the
// other end is something else (a web server): that is what the person is told.
awaitable<rp::frame> read_any_relay_frame(tcp::socket& socket) {
    frame_reader<rp::format> reader(rp::max_payload);
    rp::frame f;
    std::optional<std::string> foreign;
    try {
        co_await read_frame(socket, reader, nullptr);
        f = rp::decode(reader.header(), reader.payload());
    } catch (const connection_closed&) {
        throw failure(exit_code::network, "the relay closed the connection");
    } catch (const wire_error& e) {
        const auto header = reader.header();
        if (reader.started() && !std::equal(rp::magic.begin(), rp::magic.end(), header.begin())) {
            foreign = first_line(socket, header);
        } else {
            throw failure(exit_code::network,
                          fmt::format("the relay answered something unexpected: {}", e.what()));
        }
    }
    if (foreign) {
        throw failure(exit_code::network, fmt::format("{} is not a ferry relay (it answered '{}')",
                                                      peer_text(socket), *foreign));
    }
    co_return f;
}

// The relay's answer to a client's first frame, within first_answer_within.
awaitable<rp::frame> read_first_answer(tcp::socket& socket) {
    rp::frame answer;
    auto read = [&]() -> awaitable<void> {
        // Named first (docs/architecture.md, GCC 12 and co_await).
        auto got = co_await read_any_relay_frame(socket);
        answer = std::move(got);
    };
    if (co_await race(read(), sleep_for(first_answer_within)) == 1) {
        const auto peer = peer_text(socket);
        throw failure(exit_code::network,
                      fmt::format("{} did not answer within {} s: is it a ferry relay? "
                                  "(`ferry relay --check {}` tells)",
                                  peer, first_answer_within.count(), peer));
    }
    co_return answer;
}

awaitable<void> send_relay_frame(tcp::socket& socket, const rp::frame& f) {
    const auto bytes = rp::encode(f);
    auto [ec, n] = co_await asio::async_write(socket, asio::buffer(bytes), as_tuple(use_awaitable));
    if (ec)
        throw failure(exit_code::network,
                      fmt::format("the relay connection failed: {}", ec.message()));
}

[[noreturn]] void throw_share_unsupported(const rp::frame& answer) {
    throw share_unsupported(exit_code::network,
                            fmt::format("the relay is older than ferry 0.8 and cannot host a "
                                        "share ({}); upgrade it, or share with --lan",
                                        printable(answer.text)));
}

// `first`: the answer to the connection's first frame, bounded by first_answer_within.
awaitable<rp::frame> expect(tcp::socket& socket, rp::frame_type type, bool first = false) {
    rp::frame f;
    if (first) {
        f = co_await read_first_answer(socket);
    } else {
        f = co_await read_any_relay_frame(socket);
    }
    if (f.type == rp::frame_type::error) throw_relay_error(f);
    if (f.type != type) {
        throw failure(exit_code::network, "the relay answered something unexpected");
    }
    co_return f;
}

// A reconnect's new connection: within what its attempt has left, and no longer than any
// connect.
clock::duration connect_limit(clock::duration left) {
    return std::min<clock::duration>(left, phases::connect_within);
}

}  // namespace

awaitable<tcp::socket> connect_relay(const host_port& relay, clock::duration timeout) {
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    tcp::socket socket(ex);
    std::error_code ec;
    bool resolved = false;
    const auto service = std::to_string(relay.port);
    auto connect = [&]() -> awaitable<void> {
        auto [resolve_ec, endpoints] =
            co_await resolver.async_resolve(relay.host, service, as_tuple(use_awaitable));
        ec = resolve_ec;
        if (ec) co_return;
        resolved = true;
        std::tie(ec, std::ignore) =
            co_await asio::async_connect(socket, endpoints, as_tuple(use_awaitable));
    };
    auto time_out = [&]() -> awaitable<void> {
        co_await sleep_for(timeout);
        resolver.cancel();  // a pending lookup ignores per-operation cancellation
    };
    if (co_await race(connect(), time_out()) == 1) {
        throw failure(exit_code::network,
                      fmt::format("cannot reach the relay at {}: no answer in time", relay.text()));
    }
    if (ec && !resolved) {
        throw failure(exit_code::network,
                      fmt::format("cannot find the relay {}: {}", relay.text(), ec.message()));
    }
    if (ec) {
        throw failure(exit_code::network,
                      fmt::format("cannot reach the relay at {}: {}", relay.text(), ec.message()));
    }
    socket.set_option(tcp::no_delay(true));
    co_return socket;
}

awaitable<tcp::socket> connect_endpoint(const tcp::endpoint& endpoint, clock::duration timeout) {
    tcp::socket socket(co_await asio::this_coro::executor);
    std::error_code ec;
    auto connect = [&]() -> awaitable<void> {
        std::tie(ec) = co_await socket.async_connect(endpoint, as_tuple(use_awaitable));
    };
    if (co_await race(connect(), sleep_for(timeout)) == 1 || ec) {
        throw failure(exit_code::network, fmt::format("cannot reach the sender at {}: {}",
                                                      endpoint.address().to_string(),
                                                      ec ? ec.message() : "no answer in time"));
    }
    socket.set_option(tcp::no_delay(true));
    co_return socket;
}

awaitable<std::uint32_t> allocate_nameplate(tcp::socket& socket) {
    const rp::frame allocate{rp::frame_type::allocate, 0, {}, {}};
    co_await send_relay_frame(socket, allocate);
    const auto f = co_await expect(socket, rp::frame_type::allocated, true);
    co_return f.nameplate;
}

awaitable<void> reopen_nameplate(tcp::socket& socket, std::uint32_t nameplate) {
    const rp::frame reopen{rp::frame_type::reopen, nameplate, {}, {}};
    co_await send_relay_frame(socket, reopen);
    const auto answer = co_await read_first_answer(socket);
    if (answer.type == rp::frame_type::error) {
        const auto why =
            answer.error == rp::error_code::bad_hello
                ? fmt::format(
                      "the relay is older than ferry 0.10 and cannot keep a "
                      "code for another receiver ({})",
                      printable(answer.text))
                : fmt::format("the relay could not keep the code: {}", printable(answer.text));
        throw failure(exit_code::peer, why);
    }
    if (answer.type != rp::frame_type::allocated || answer.nameplate != nameplate) {
        throw failure(exit_code::network, "the relay answered something unexpected");
    }
}

awaitable<void> wait_paired(tcp::socket& socket) {
    co_await expect(socket, rp::frame_type::paired);
}

awaitable<std::string> ping_relay(tcp::socket& socket) {
    const rp::frame ping{rp::frame_type::ping, 0, {}, {}};
    co_await send_relay_frame(socket, ping);
    auto f = co_await expect(socket, rp::frame_type::pong, true);
    co_return printable(f.text);
}

awaitable<void> claim_nameplate(tcp::socket& socket, std::uint32_t nameplate) {
    const rp::frame claim{rp::frame_type::claim, nameplate, {}, {}};
    co_await send_relay_frame(socket, claim);
    co_await expect(socket, rp::frame_type::paired, true);
}

awaitable<void> rejoin(tcp::socket& socket, const std::array<std::uint8_t, 16>& id, bool as_sender,
                       clock::duration timeout) {
    rp::frame ask{rp::frame_type::reconnect, 0, {}, {}};
    ask.id = id;
    ask.side = as_sender ? rp::role::sender : rp::role::receiver;
    co_await send_relay_frame(socket, ask);
    rp::frame answer;
    auto paired = [&]() -> awaitable<void> {
        // Named first (docs/architecture.md, GCC 12 and co_await).
        auto got = co_await read_any_relay_frame(socket);
        answer = std::move(got);
    };
    if (co_await race(paired(), sleep_for(timeout)) == 1) {
        throw failure(exit_code::network, "the other side did not come back in time");
    }
    if (answer.type == rp::frame_type::error && answer.error == rp::error_code::bad_hello) {
        throw reconnect_unsupported(
            exit_code::network,
            fmt::format("the relay cannot reconnect transfers: {}", printable(answer.text)));
    }
    if (answer.type == rp::frame_type::error) throw_relay_error(answer);
    if (answer.type != rp::frame_type::paired) {
        throw failure(exit_code::network, "the relay answered something unexpected");
    }
}

// cppcheck-suppress passedByValue ; a coroutine keeps its parameters: by value on purpose
awaitable<tcp::socket> reconnect_via(host_port relay, std::array<std::uint8_t, 16> id,
                                     bool as_sender, clock::duration timeout) {
    auto socket = co_await connect_relay(relay, connect_limit(timeout));
    co_await rejoin(socket, id, as_sender, timeout);
    co_return socket;
}

awaitable<tcp::socket> reconnect_via(tcp::endpoint relay, std::array<std::uint8_t, 16> id,
                                     bool as_sender, clock::duration timeout) {
    auto socket = co_await connect_endpoint(relay, connect_limit(timeout));
    co_await rejoin(socket, id, as_sender, timeout);
    co_return socket;
}

awaitable<std::uint32_t> open_share(tcp::socket& control) {
    const rp::frame ask{rp::frame_type::share, 0, {}, {}};
    co_await send_relay_frame(control, ask);
    const auto answer = co_await read_first_answer(control);
    if (answer.type == rp::frame_type::error && answer.error == rp::error_code::bad_hello) {
        throw_share_unsupported(answer);
    }
    if (answer.type == rp::frame_type::error) throw_relay_error(answer);
    if (answer.type != rp::frame_type::allocated) {
        throw failure(exit_code::network, "the relay answered something unexpected");
    }
    co_return answer.nameplate;
}

awaitable<share_opening> open_resumable_share(tcp::socket& control) {
    rp::frame ask{rp::frame_type::share, 0, {}, {}};
    ask.resumable = true;
    co_await send_relay_frame(control, ask);
    const auto answer = co_await read_first_answer(control);
    if (answer.type == rp::frame_type::error && answer.error == rp::error_code::bad_hello) {
        // Older than 0.8: it does not know SHARE at all; 0.8/0.9: it refuses the flags byte.
        if (answer.text.find("0x05") != std::string::npos) throw_share_unsupported(answer);
        throw share_not_resumable(exit_code::network, printable(answer.text));
    }
    if (answer.type == rp::frame_type::error) throw_relay_error(answer);
    if (answer.type != rp::frame_type::share_opened) {
        throw failure(exit_code::network, "the relay answered something unexpected");
    }
    co_return share_opening{answer.nameplate, answer.ticket};
}

awaitable<void> resume_share(tcp::socket& control, std::uint32_t nameplate,
                             const share_ticket& token) {
    rp::frame ask{rp::frame_type::resume_share, nameplate, {}, {}};
    ask.ticket = token;
    co_await send_relay_frame(control, ask);
    const auto answer = co_await read_first_answer(control);
    if (answer.type == rp::frame_type::error && (answer.error == rp::error_code::share_ended ||
                                                 answer.error == rp::error_code::bad_hello)) {
        throw share_gone(exit_code::network, printable(answer.text));
    }
    if (answer.type == rp::frame_type::error) throw_relay_error(answer);
    if (answer.type != rp::frame_type::share_opened || answer.nameplate != nameplate) {
        throw failure(exit_code::network, "the relay answered something unexpected");
    }
}

awaitable<void> end_share(tcp::socket& control) {
    const rp::frame end{rp::frame_type::end_share, 0, {}, {}};
    co_await send_relay_frame(control, end);
}

awaitable<void> watch_share_control(tcp::socket& control, const clock::time_point& heard,
                                    clock::duration every, clock::duration silence) {
    const rp::frame ping{rp::frame_type::ping, 0, {}, {}};
    auto next_ping = clock::now() + every;
    for (;;) {
        co_await sleep_for(std::min(next_ping, heard + silence) - clock::now());
        if (clock::now() >= heard + silence) {
            throw failure(exit_code::network,
                          fmt::format("no answer from the relay for {} s",
                                      std::chrono::ceil<std::chrono::seconds>(silence).count()));
        }
        if (clock::now() >= next_ping) {
            co_await send_relay_frame(control, ping);
            next_ping = clock::now() + every;
        }
    }
}

awaitable<share_arrival> next_arrival(tcp::socket& control, clock::time_point* heard) {
    for (;;) {
        const auto f = co_await read_any_relay_frame(control);
        if (heard != nullptr) *heard = clock::now();
        if (f.type == rp::frame_type::pong) continue;
        if (f.type == rp::frame_type::error) {
            throw share_ended_by_relay(
                exit_code::network,
                fmt::format("the relay ended the share: {}", printable(f.text)));
        }
        if (f.type != rp::frame_type::arrived) {
            throw failure(exit_code::network, "the relay answered something unexpected");
        }
        share_arrival arrival{f.ticket, printable(f.text)};
        co_return arrival;
    }
}

awaitable<void> keep_share_alive(tcp::socket& control, clock::duration every) {
    const rp::frame ping{rp::frame_type::ping, 0, {}, {}};
    for (;;) {
        co_await sleep_for(every);
        co_await send_relay_frame(control, ping);
    }
}

awaitable<void> join_share(tcp::socket& socket, std::uint32_t nameplate,
                           const share_ticket& ticket) {
    rp::frame join{rp::frame_type::join, nameplate, {}, {}};
    join.ticket = ticket;
    co_await send_relay_frame(socket, join);
    const auto answer = co_await read_any_relay_frame(socket);
    if (answer.type == rp::frame_type::error && (answer.error == rp::error_code::share_ended ||
                                                 answer.error == rp::error_code::no_receiver)) {
        throw failure(exit_code::peer, "the receiver left before its transfer started");
    }
    if (answer.type == rp::frame_type::error) {
        throw failure(exit_code::network,
                      fmt::format("the relay refused: {}", printable(answer.text)));
    }
    if (answer.type != rp::frame_type::paired) {
        throw failure(exit_code::network, "the relay answered something unexpected");
    }
}

awaitable<bool> relay_answers(const host_port& relay, clock::duration timeout) {
    bool answered = false;
    auto ask = [&]() -> awaitable<void> {
        try {
            auto socket = co_await connect_relay(relay, timeout);
            co_await ping_relay(socket);
            answered = true;
        } catch (const failure&) {
            // No answer: answered stays false.
        }
    };
    co_await race(ask(), sleep_for(timeout));
    co_return answered;
}

awaitable<failure> explain_lost_connection(const std::optional<host_port>& relay,
                                           const connection_closed& closed,
                                           const lost_connection_text& text) {
    const auto detail = text.detail.empty() ? std::string() : " (" + text.detail + ")";
    if (!closed.orderly()) {
        co_return failure(exit_code::network, fmt::format("connection to the relay lost: {}{}",
                                                          closed.cause().message(), detail));
    }
    if (!relay || co_await relay_answers(*relay, std::chrono::seconds(3))) {
        co_return failure(exit_code::peer, text.peer_left);
    }
    co_return failure(exit_code::network,
                      fmt::format("connection to the relay lost: the relay closed the connection "
                                  "and no longer answers{}",
                                  detail));
}

}  // namespace ferry
