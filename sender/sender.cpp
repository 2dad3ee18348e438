#include "sender/sender.hpp"

#include <unistd.h>

#include <optional>

#include <fmt/format.h>

#include "common/client_runner.hpp"
#include "common/code.hpp"
#include "common/exit_code.hpp"
#include "common/interfaces.hpp"
#include "common/message.hpp"
#include "common/progress.hpp"
#include "common/race.hpp"
#include "common/relay_client.hpp"
#include "common/safe_name.hpp"
#include "common/session.hpp"
#include "common/sha256.hpp"
#include "common/text.hpp"
#include "common/units.hpp"
#include "common/wire_error.hpp"
#include "sender/file_source.hpp"
#include "sender/lan_announcer.hpp"

namespace ferry::sender {

namespace {

using namespace std::chrono_literals;

// Keeps the average rate at or under `limit` bytes per second by sleeping when ahead.
class rate_limiter {
  public:
    explicit rate_limiter(std::uint64_t limit) : limit_(limit) {}
    awaitable<void> pace(std::uint64_t sent) {
        if (limit_ == 0) co_return;
        const auto due =
            start_ + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(
                         static_cast<double>(sent) / static_cast<double>(limit_)));
        if (due > clock::now()) co_await sleep_for(due - clock::now());
    }

  private:
    std::uint64_t limit_;
    clock::time_point start_{clock::now()};
};

// host:port texts a receiver on this network can pass to --relay: IPv4 and non-link-local IPv6
// addresses (a link-local IPv6 address needs an interface name, so it is left out).
std::vector<std::string> lan_addresses(std::uint16_t port) {
    std::vector<std::string> out;
    for (const auto& i : local_interfaces()) {
        if (i.address.is_v6() && i.address.to_v6().is_link_local()) continue;
        out.push_back(host_port{i.address.to_string(), port}.text());
    }
    return out;
}

std::string receive_command(const options& opts, const code& c) {
    return fmt::format("ferry receive --relay {} {}", opts.relay.text(), c.text());
}

// A receiver whose person is still deciding says so with KEEPALIVE every few seconds.
awaitable<void> expect_accept(record_channel& channel) {
    auto answer = co_await channel.receive_message();
    while (std::holds_alternative<msg::keepalive>(answer)) {
        auto next = co_await channel.receive_message();  // named: the GCC 12 note
        answer = std::move(next);
    }
    if (std::holds_alternative<msg::accept>(answer)) co_return;
    if (const auto* r = std::get_if<msg::refuse>(&answer)) {
        throw failure(exit_code::peer,
                      fmt::format("the receiver refused the file: {}{}{}", msg::describe(r->why),
                                  r->text.empty() ? "" : " (",
                                  r->text.empty() ? "" : printable(r->text) + ")"));
    }
    throw wire_error("the receiver answered the offer with something unexpected");
}

failure receiver_stopped(const msg::abort& a) {
    return failure(exit_code::peer,
                   fmt::format("the receiver stopped: {}{}{}", msg::describe(a.why),
                               a.text.empty() ? "" : ": ", printable(a.text)));
}

// `peer_left` says, for the phase reached, what a receiver that went away left undone.
awaitable<void> run(const options& opts, file_source& file, deadline& activity,
                    std::string& peer_left) {
    activity.set(30s);
    auto socket = co_await connect_relay(opts.relay, 10s);
    const auto nameplate = co_await allocate_nameplate(socket);
    const auto c = generate_code(nameplate, opts.code_words);
    const auto shown_name = printable(file.name());
    if (opts.quiet) {
        fmt::print("{}\n", c.text());
    } else {
        fmt::print("Sending '{}' ({}). Code: {}\n", shown_name, format_size(file.size()), c.text());
        if (opts.lan) {
            fmt::print(
                "LAN mode: no relay, the receiver must be on this network.\n"
                "On the other computer run:  ferry receive {}\n",
                c.text());
            const auto addresses = lan_addresses(opts.lan_port);
            for (const auto& address : addresses) {
                fmt::print(
                    "If it finds nothing (multicast blocked):  ferry receive --relay {} {}\n",
                    address, c.text());
            }
            if (addresses.empty()) {
                fmt::print(
                    "This computer has no network address but loopback: only a receiver on this "
                    "computer can reach it:  ferry receive --relay {} {}\n",
                    host_port{"127.0.0.1", opts.lan_port}.text(), c.text());
            }
        } else {
            fmt::print("On the other computer run:  {}\n", receive_command(opts, c));
        }
    }
    std::fflush(stdout);

    activity.set(24h);  // the relay bounds the wait for a receiver and tells us when it ends
    if (opts.lan) {
        co_await race(wait_paired(socket), announce_on_lan(nameplate, opts.lan_port));
    } else {
        co_await wait_paired(socket);
    }
    activity.set(5min);
    auto channel = co_await open_session(socket, activity, session_role::sender, c);
    const msg::message offer = msg::offer{0, file.size(), file.name()};
    co_await channel->send_message(offer);
    if (!opts.quiet) fmt::print(stderr, "Waiting for the receiver to accept...\n");
    // A person may take their time to say yes (the receiver bounds that wait, --accept-timeout),
    // and the receiver's KEEPALIVEs move this deadline while they do.
    activity.set(2min);
    co_await expect_accept(*channel);
    activity.set(5min);

    sha256 hash;
    sha256_digest digest{};
    rate_limiter limiter(opts.limit_rate);
    progress_bar bar(shown_name, file.size(), !opts.quiet && isatty(STDERR_FILENO) != 0);
    std::uint64_t sent = 0;
    bool done_sent = false;
    bool write_failed = false;
    auto stream = [&]() -> awaitable<void> {
        const auto buffer = channel->prepare();
        const auto chunk = buffer.subspan(1, data_chunk_size);
        try {
            while (sent < file.size()) {
                // Read straight into the record buffer, hash, send: no copy, no allocation. The
                // record is encrypted in place, so the type byte is written again each time.
                buffer[0] = static_cast<std::uint8_t>(msg::type::data);
                const auto n = co_await file.read_async(chunk);
                hash.update(chunk.first(n));
                co_await channel->send(1 + n);
                sent += n;
                bar.update(sent);
                co_await limiter.pace(sent);
            }
            bar.finish();
            digest = hash.finish();
            const msg::message done = msg::done{digest};
            co_await channel->send_message(done);
            done_sent = true;
        } catch (const connection_closed&) {
            // The receiver's last words (an ABORT) may be waiting to be read: listen() reads
            // them, or the end of the connection, which comes promptly after a failed write.
            write_failed = true;
        }
    };
    // The receiver says nothing while the data flows unless it has to stop (disk full, ...),
    // then answers DONE with VERIFIED. One reader for both, never cancelled half-way through a
    // record, so an ABORT is read whenever it comes.
    msg::message answer;
    auto listen = [&]() -> awaitable<void> {
        try {
            auto m = co_await channel->receive_message();  // named: the GCC 12 note
            answer = std::move(m);
        } catch (const connection_closed&) {
            if (done_sent) peer_left = "the receiver went away before confirming the file";
            throw;
        }
        if (const auto* a = std::get_if<msg::abort>(&answer)) throw receiver_stopped(*a);
        if (!std::holds_alternative<msg::verified>(answer)) {
            throw wire_error("the receiver sent something unexpected during the transfer");
        }
    };
    std::optional<failure> local;
    try {
        co_await both(stream(), listen());
    } catch (const failure& f) {
        if (f.code() != exit_code::local_io) throw;
        local = f;  // the file could not be read to the end: say so before leaving
    }
    if (local) {
        const msg::message abort = msg::abort{msg::reason::local_io, local->what()};
        co_await race(channel->send_message(abort), sleep_for(2s));
        throw *local;
    }
    if (write_failed) {
        throw failure(exit_code::peer, "the receiver went away before the transfer finished");
    }
    const auto& v = std::get<msg::verified>(answer);
    if (v.sha256 != digest) {
        throw failure(exit_code::integrity,
                      fmt::format("the receiver got different bytes: SHA-256 {} sent, {} received",
                                  to_hex(digest), to_hex(v.sha256)));
    }
    if (!opts.quiet) {
        fmt::print("Sent '{}' ({}); verified by the receiver (SHA-256 {}).\n", shown_name,
                   format_size(file.size()), to_hex(digest));
    }
}

// run(), with a connection that ended early explained: the receiver left, or the relay was lost.
awaitable<void> run_explained(const options& opts, file_source& file, deadline& activity) {
    std::string peer_left = "the receiver went away before the transfer finished";
    std::optional<connection_closed> lost;
    try {
        co_await run(opts, file, activity, peer_left);
    } catch (const connection_closed& e) {
        lost = e;
    }
    if (!lost) co_return;
    // LAN mode: the relay runs in this process, so an EOF can only be the receiver leaving.
    std::optional<host_port> relay;
    if (!opts.lan) relay = opts.relay;
    lost_connection_text text{peer_left, ""};
    // Named, not thrown from the co_await expression: see the GCC 12 note in relay/server.cpp.
    const auto explained = co_await explain_lost_connection(relay, *lost, text);
    throw explained;
}

}  // namespace

void send(const options& opts) {
    file_source file(opts.file);
    // Every receiver refuses such a name: say so now, not after the code has been passed on.
    if (const auto why = unsafe_name_reason(file.name())) {
        throw failure(exit_code::usage, fmt::format("cannot send '{}': {}; rename the file first",
                                                    printable(file.name()), *why));
    }
    run_client([&](deadline& activity) { return run_explained(opts, file, activity); });
}

}  // namespace ferry::sender
