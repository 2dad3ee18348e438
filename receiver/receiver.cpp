#include "receiver/receiver.hpp"

#include <optional>
#include <string>

#include <fmt/format.h>

#include "common/net/client_runner.hpp"
#include "common/net/phases.hpp"
#include "common/net/relay_client.hpp"
#include "common/session/code.hpp"
#include "common/session/session.hpp"
#include "common/transfer/hello.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
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

// rendezvous → session (key exchange, HELLO) → transfer.
awaitable<void> run(const options& opts, const code& c, deadline& activity) {
    auto socket = co_await meet_sender(opts, c, activity);
    activity.enter(phases::key_exchange);
    auto channel = co_await open_session(socket, activity, session_role::receiver, c);
    co_await transfer::exchange_hello(*channel, transfer::peer_role::sender);
    receive_session transfer(*channel, opts, activity);
    co_await transfer.run();
}

// run(), with a connection that ended early explained: the sender left, or the relay was lost.
awaitable<void> run_explained(const options& opts, const code& c, deadline& activity) {
    std::optional<lost_at> lost;
    try {
        co_await run(opts, c, activity);
    } catch (const cut_off& e) {
        lost = lost_at{e, e.progress};
    } catch (const connection_closed& e) {
        lost = lost_at{e, ""};
    }
    if (!lost) co_return;
    // The data phase says how far it got; before it, nothing had been written.
    const std::string detail = lost->detail.empty() ? "nothing was saved" : lost->detail;
    // LAN mode: the relay is the sender's own, so an EOF is the sender leaving.
    std::optional<host_port> relay;
    if (!opts.lan) relay = opts.relay;
    lost_connection_text text{fmt::format("the sender went away ({})", detail), detail};
    // Named, not thrown from the co_await expression: see the GCC 12 note in relay/server.cpp.
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

}  // namespace

void receive(const options& opts) {
    const auto c = parse_code(opts.code);
    if (!opts.to_stdout) check_output_folder(opts.output_dir);
    run_client([&](deadline& activity) { return run_explained(opts, c, activity); });
}

}  // namespace ferry::receiver
