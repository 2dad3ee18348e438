#include "sender/sender.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "common/net/client_runner.hpp"
#include "common/net/phases.hpp"
#include "common/net/relay_client.hpp"
#include "common/session/session.hpp"
#include "common/transfer/farewell.hpp"
#include "common/transfer/hello.hpp"
#include "common/transfer/reconnect_notice.hpp"
#include "common/transfer/safe_name.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "sender/file_source.hpp"
#include "sender/rendezvous.hpp"
#include "sender/send_session.hpp"
#include "sender/session_setup.hpp"
#include "sender/stdin_source.hpp"
#include "sender/text_source.hpp"
#include "sender/tree_plan.hpp"
#include "sender/tree_source.hpp"

namespace ferry::sender {

namespace {

// One receiver: session (key exchange, HELLO) → transfer. Returns what the receiver said if it
// declined before any data (the next one with the same code may take it), nothing once done. A
// failed key confirmation throws: the one guess at the code is spent.
awaitable<std::optional<std::string>> serve_one(const options& opts, source& what,
                                                deadline& activity, std::string& peer_left,
                                                rendezvous& met) {
    activity.enter(phases::key_exchange);
    auto channel = co_await open_session(met.socket, activity, session_role::sender, met.c);
    transfer::tell_peer_on_stop_signal(*channel);
    peer_left =
        "the receiver went away before its HELLO (ferry 0.1 does that: both sides need "
        "ferry 0.2 or later)";
    const bool reconnects = opts.reconnect_for.count() > 0;
    const auto peer =
        co_await transfer::exchange_hello(*channel, transfer::peer_role::receiver, reconnects);
    transfer::require(peer, what.needs(), transfer::peer_role::receiver);
    plan_reconnects(*channel, opts, peer);
    send_session transfer(*channel, what, opts, compression_for(opts, peer, what), activity,
                          peer_left);
    std::optional<std::string> declined;
    try {
        co_await transfer.run();
    } catch (const receiver_declined& d) {
        declined = d.what();
    }
    if (declined) channel->end_session();  // nothing to say goodbye to: the receiver has gone
    co_return declined;
}

// rendezvous → one receiver after another while they decline before any data, each under the
// same code (the relay keeps the nameplate for REOPEN).
awaitable<void> run(const options& opts, source& what, deadline& activity, std::string& peer_left) {
    auto met = co_await meet_receiver(opts, what, activity);
    for (;;) {
        const auto declined = co_await serve_one(opts, what, activity, peer_left, met);
        if (!declined) co_return;
        std::error_code ignored;
        met.socket.close(ignored);
        // Said once the relay holds the nameplate again: a receiver may claim it from then on.
        const auto tell = [&] {
            if (opts.quiet) return;
            fmt::print(stderr, "ferry: {}; still waiting with the same code, {}\n", *declined,
                       met.c.text());
        };
        std::optional<failure> kept_not;
        try {
            // Named (docs/architecture.md, GCC 12 and co_await).
            auto again = co_await wait_again(opts, met.c, activity, tell);
            met = std::move(again);
        } catch (const failure& f) {
            kept_not = f;
        }
        if (kept_not) {
            throw failure(kept_not->code(), fmt::format("{}; {}; send again for a new code",
                                                        *declined, kept_not->what()));
        }
    }
}

// run(), with a connection that ended early explained: the receiver left, or the relay was lost.
awaitable<void> run_explained(const options& opts, source& what, deadline& activity) {
    std::string peer_left = "the receiver went away before the transfer finished";
    std::optional<connection_closed> lost;
    try {
        co_await run(opts, what, activity, peer_left);
    } catch (const connection_closed& e) {
        lost = e;
    }
    if (!lost) co_return;
    // LAN mode: the relay runs in this process, so an EOF can only be the receiver leaving.
    std::optional<host_port> relay;
    if (!opts.lan) relay = opts.relay;
    lost_connection_text text{peer_left, ""};
    // Named, not thrown from the co_await expression (docs/architecture.md, GCC 12 and co_await).
    const auto explained = co_await explain_lost_connection(relay, *lost, text);
    throw explained;
}

// Standard input's source lives in this coroutine: its descriptor belongs to the client's
// io_context and must go before it does.
awaitable<void> send_stdin(const options& opts, deadline& activity) {
    stdin_source in;
    co_await run_explained(opts, in, activity);
}

// Files and folders: walked (stat only) before the code is shown, then streamed.
void send_tree(const options& opts) {
    auto plan = plan_tree(opts.paths);
    if (!opts.quiet) {
        for (const auto& notice : plan.notices)
            fmt::print(stderr, "ferry: {}\n", notice);
    }
    tree_source tree(std::move(plan));
    run_client([&](deadline& activity) { return run_explained(opts, tree, activity); });
}

}  // namespace

void send(const options& opts) {
    if (opts.text) {
        text_source text(*opts.text);
        run_client([&](deadline& activity) { return run_explained(opts, text, activity); });
        return;
    }
    const auto& paths = opts.paths;
    if (paths.size() == 1 && paths[0] == "-") {
        run_client([&](deadline& activity) { return send_stdin(opts, activity); });
        return;
    }
    if (std::find(paths.begin(), paths.end(), "-") != paths.end()) {
        throw failure(exit_code::usage, "'-' (standard input) is sent on its own, not with files");
    }
    std::error_code ec;
    if (paths.size() != 1 || !std::filesystem::is_regular_file(paths[0], ec)) {
        send_tree(opts);
        return;
    }
    file_source file(paths[0]);
    // Every receiver refuses such a name: say so now, not after the code has been passed on.
    if (const auto why = unsafe_item_name_reason(file.name())) {
        throw failure(exit_code::usage, fmt::format("cannot send '{}': {}; rename the file first",
                                                    printable(file.name()), *why));
    }
    run_client([&](deadline& activity) { return run_explained(opts, file, activity); });
}

}  // namespace ferry::sender
