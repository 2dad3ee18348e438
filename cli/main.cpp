#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "cli/client_commands.hpp"
#include "cli/relay_command.hpp"
#include "cli/share_command.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/progress.hpp"
#include "common/ui/units.hpp"

namespace {

using ferry::exit_code;

// A parse error as one line: "ferry: <what CLI11 says>; see 'ferry send --help'".
int usage_error(const CLI::App& app, const CLI::ParseError& e) {
    const auto chosen = app.get_subcommands();
    const auto help = chosen.empty() ? std::string("ferry --help")
                                     : fmt::format("ferry {} --help", chosen.front()->get_name());
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    fmt::print(stderr, "ferry: {}; see '{}'\n", what, help);
    return static_cast<int>(exit_code::usage);
}

int run(int argc, char** argv) {
    CLI::App app{
        "ferry: send files, folders, a pipe or a text to another computer with a short code"};
    app.name("ferry");
    app.set_version_flag("--version", "ferry " FERRY_VERSION);
    app.require_subcommand(1);

    ferry::cli::send_settings send_opts;
    auto* send = app.add_subcommand(
        "send", "Send files and folders (or - or --text); prints the code to give the receiver");
    ferry::cli::add_send_options(*send, send_opts);

    ferry::cli::share_settings share_opts;
    auto* share = app.add_subcommand(
        "share", "Share files and folders with many receivers at once, until Ctrl-C");
    ferry::cli::add_share_options(*share, share_opts);

    ferry::cli::receive_settings recv_opts;
    auto* receive =
        app.add_subcommand("receive", "Receive what the sender offers, with the code it got");
    ferry::cli::add_receive_options(*receive, recv_opts);

    ferry::cli::relay_settings relay_opts;
    auto* relay = app.add_subcommand("relay", "Run a relay that pairs senders and receivers");
    ferry::cli::add_relay_options(*relay, relay_opts);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
        return usage_error(app, e);
    }

    if (send->parsed()) {
        ferry::cli::run_send(send_opts);
    } else if (share->parsed()) {
        ferry::cli::run_share(share_opts);
    } else if (receive->parsed()) {
        ferry::cli::run_receive(recv_opts);
    } else if (relay->parsed()) {
        return ferry::cli::run_relay(relay_opts);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // Past a file size limit (ulimit -f) a write fails with EFBIG, which ferry reports like any
    // other disk error, instead of the process being killed.
    std::signal(SIGXFSZ, SIG_IGN);
    // A consumer that closes the pipe of `ferry receive --stdout` is an EPIPE error reported
    // (and told to the sender), not a silent death.
    std::signal(SIGPIPE, SIG_IGN);
    try {
        return run(argc, argv);
    } catch (const ferry::failure& f) {
        std::fflush(stdout);
        ferry::end_status_line();
        fmt::print(stderr, "ferry: {}\n", f.what());
        return static_cast<int>(f.code());
    } catch (const std::exception& e) {
        std::fflush(stdout);
        ferry::end_status_line();
        fmt::print(stderr, "ferry: internal error: {}\n", e.what());
        return static_cast<int>(exit_code::internal);
    }
}
