#include "receiver/receiver.hpp"

#include <unistd.h>

#include <optional>
#include <string>

#include <fmt/format.h>

#include "common/net/client_runner.hpp"
#include "common/net/phases.hpp"
#include "common/net/relay_client.hpp"
#include "common/session/code.hpp"
#include "common/session/session.hpp"
#include "common/transfer/farewell.hpp"
#include "common/transfer/hello.hpp"
#include "common/transfer/reconnect_notice.hpp"
#include "common/ui/command_hint.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/line_editor.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "common/wire/wire_error.hpp"
#include "receiver/cut_off.hpp"
#include "receiver/receive_session.hpp"
#include "receiver/rendezvous.hpp"

namespace ferry::receiver {

namespace {

// The connection ended early; how far the data had come, if it had started.
struct lost_at {
    connection_closed closed;
    std::string detail;
};

// Both sides announced it (`announced`: this side did; a listing does not): a broken connection
// is reconnected through the same relay, or in LAN mode to the sender's own relay at the address
// it had. A side that did not announce it neither sends ACKs nor reconnects.
void plan_reconnects(record_channel& channel, const options& opts, bool announced,
                     const msg::hello& peer, const tcp::endpoint& lan_relay) {
    if (!announced || !transfer::has(peer, transfer::feature::reconnect)) return;
    reconnect_plan plan;
    plan.within = opts.reconnect_for;
    plan.stall_after = opts.stall_timeout;
    plan.peer_keeps_alive = transfer::has(peer, transfer::feature::keepalive);
    if (opts.lan) {
        plan.connect = [lan_relay](const rendezvous_id& id, clock::duration left) {
            return reconnect_via(lan_relay, id, false, left);
        };
    } else {
        plan.connect = [relay = opts.relay](const rendezvous_id& id, clock::duration left) {
            return reconnect_via(relay, id, false, left);
        };
    }
    transfer::tell_reconnects(plan, opts.quiet);
    channel.enable_reconnect(std::move(plan));
}

// rendezvous → session (key exchange, HELLO) → transfer.
awaitable<void> run(const options& opts, const code& c, deadline& activity, kept_partial& kept) {
    auto socket = co_await meet_sender(opts, c, activity);
    std::error_code ec;
    const auto lan_relay = socket.remote_endpoint(ec);
    activity.enter(phases::key_exchange);
    auto channel = co_await open_session(socket, activity, session_role::receiver, c);
    transfer::tell_peer_on_stop_signal(*channel);
    // A listing is over at once: nothing to reconnect for.
    const bool reconnects = opts.reconnect_for.count() > 0 && !opts.list;
    const auto peer =
        co_await transfer::exchange_hello(*channel, transfer::peer_role::sender, reconnects);
    plan_reconnects(*channel, opts, reconnects, peer, lan_relay);
    const bool resumes = transfer::has(peer, transfer::feature::resume);
    const bool resumes_trees = transfer::has(peer, transfer::feature::tree_resume);
    receive_session transfer(*channel, opts, activity, resumes, resumes_trees, kept);
    co_await transfer.run();
}

// run(), with a connection that ended early explained: the sender left, or the relay was lost.
awaitable<void> run_explained(const options& opts, const code& c, deadline& activity,
                              kept_partial& kept) {
    std::optional<lost_at> lost;
    try {
        co_await run(opts, c, activity, kept);
    } catch (const cut_off& e) {
        lost = lost_at{e, e.progress};
    } catch (const connection_closed& e) {
        lost = lost_at{e, ""};
    }
    if (!lost) co_return;
    // The data phase says how far it got; before it, nothing had been written (or kept).
    std::string detail = lost->detail;
    if (detail.empty()) detail = kept.folder.empty() ? "nothing was saved" : "nothing more came";
    // LAN mode: the relay is the sender's own, so an EOF is the sender leaving.
    std::optional<host_port> relay;
    if (!opts.lan) relay = opts.relay;
    lost_connection_text text{fmt::format("the sender went away ({})", detail), detail};
    // Named, not thrown from the co_await expression (docs/architecture.md, GCC 12 and co_await).
    const auto explained = co_await explain_lost_connection(relay, lost->closed, text);
    throw explained;
}

void check_output_folder(const std::filesystem::path& dir) {
    std::error_code ec;
    const auto status = std::filesystem::status(dir, ec);
    const auto shown = printable(dir.string());
    if (status.type() == std::filesystem::file_type::not_found) {
        throw failure(exit_code::local_io, fmt::format("the folder {} does not exist", shown));
    }
    if (ec)
        throw failure(exit_code::local_io, fmt::format("cannot use {}: {}", shown, ec.message()));
    if (status.type() != std::filesystem::file_type::directory) {
        throw failure(exit_code::local_io, fmt::format("{} is not a folder", shown));
    }
}

// -o DIR that does not exist: created, its last component only (mode 0777 less the umask), and
// said; a missing parent is an error, as a mistyped path should be.
void make_output_folder(const options& opts) {
    std::error_code ec;
    if (std::filesystem::symlink_status(opts.output_dir, ec).type() !=
        std::filesystem::file_type::not_found) {
        return;  // check_output_folder says what is wrong with it, if anything
    }
    const auto shown = printable(opts.output_dir.string());
    if (!std::filesystem::create_directory(opts.output_dir, ec) && ec) {
        if (ec == std::errc::no_such_file_or_directory) {
            throw failure(exit_code::local_io,
                          fmt::format("the folder {} does not exist, nor its parent", shown));
        }
        throw failure(exit_code::local_io,
                      fmt::format("cannot create the folder {}: {}", shown, ec.message()));
    }
    if (!opts.quiet) fmt::print(stderr, "Created folder {}\n", printable_folder(opts.output_dir));
}

// "kept 12.3 GiB of partial data in ./.ferry-partial-...; run the same transfer again to
// resume, or remove it with `ferry receive --discard-partial`".
std::string kept_text(const options& opts, const kept_partial& kept) {
    const bool here = opts.output_dir == ".";
    return fmt::format(
        "kept {} of partial data in {}{}; run the same transfer again to resume, or remove it "
        "with `{}`",
        format_size(kept.bytes), printable_folder(opts.output_dir), printable(kept.folder),
        command_text(here ? std::vector<std::string>{"ferry", "receive", "--discard-partial"}
                          : std::vector<std::string>{"ferry", "receive", "--discard-partial", "-o",
                                                     printable(opts.output_dir.string())}));
}

// No code given: asked for on the terminal (Tab completes the words), again after one that does
// not parse.
code ask_for_code() {
    if (isatty(STDIN_FILENO) == 0) {
        throw failure(
            exit_code::usage,
            "no code given, and no terminal to ask for it on; see 'ferry receive --help'");
    }
    for (;;) {
        const auto typed = read_line_on_terminal("Enter the code: ", complete_code);
        if (!typed) throw failure(exit_code::usage, "no code given");
        try {
            return parse_code(*typed);
        } catch (const failure& f) {
            fmt::print(stderr, "ferry: {}\n", f.what());
        }
    }
}

}  // namespace

void receive(const options& opts) {
    const auto c = opts.code.empty() ? ask_for_code() : parse_code(opts.code);
    if (!opts.to_stdout) {
        make_output_folder(opts);
        check_output_folder(opts.output_dir);
    }
    kept_partial kept;
    try {
        run_client([&](deadline& activity) { return run_explained(opts, c, activity, kept); });
    } catch (const failure& f) {
        if (kept.folder.empty()) throw;
        throw failure(f.code(), fmt::format("{}; {}", f.what(), kept_text(opts, kept)));
    }
}

discarded_partials discard(const options& opts) {
    check_output_folder(opts.output_dir);
    return discard_partials(opts.output_dir);
}

}  // namespace ferry::receiver
