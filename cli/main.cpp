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
#include "cli/help_format.hpp"
#include "cli/relay_command.hpp"
#include "cli/share_command.hpp"
#include "cli/usage_error.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/progress.hpp"
#include "common/ui/units.hpp"

namespace {

using ferry::exit_code;

constexpr const char* footer =
    "'ferry CODE' receives, as 'ferry receive CODE' does. 'ferry help COMMAND' or "
    "'ferry COMMAND --help' shows a command's options.";

// "7-crossover-clockwork", "7 crossover clockwork": a code given without `receive`.
bool looks_like_code(const std::string& arg) {
    const auto digits = arg.find_first_not_of("0123456789");
    return digits != 0 && (digits == std::string::npos || arg[digits] == '-');
}

const CLI::App* find_command(const CLI::App& app, const std::string& name) {
    for (const auto* sub : app.get_subcommands({}))
        if (sub->check_name(name)) return sub;
    return nullptr;
}

// `ferry help [COMMAND]`: the help on standard output, exit 0.
int print_help(const CLI::App& app, const std::vector<std::string>& args) {
    if (args.size() > 2) return ferry::cli::report_usage("'ferry help' takes one command", "");
    if (args.size() == 1) {
        fmt::print("{}", app.help());
        return 0;
    }
    const auto* sub = find_command(app, args[1]);
    if (sub == nullptr)
        return ferry::cli::report_usage(ferry::cli::unknown_command(app, args[1]), "");
    fmt::print("{}", sub->help(app.get_name()));
    return 0;
}

// ferry's commands, and the settings their options fill in.
struct commands {
    CLI::App app{
        "ferry: send files, folders, a pipe or a text to another computer with a short code"};
    ferry::cli::send_settings send_opts;
    ferry::cli::share_settings share_opts;
    ferry::cli::receive_settings recv_opts;
    ferry::cli::relay_settings relay_opts;
    CLI::App* send = nullptr;
    CLI::App* share = nullptr;
    CLI::App* receive = nullptr;
    CLI::App* relay = nullptr;

    commands() {
        app.name("ferry");
        app.formatter(std::make_shared<ferry::cli::help_format>(ferry::cli::help_width()));
        app.set_version_flag("-V,--version", "ferry " FERRY_VERSION);
        // At most one; none is told below, in words (CLI11 would say "A subcommand is required"
        // before it looks at what was typed instead).
        app.require_subcommand(0, 1);
        send = app.add_subcommand(
            "send",
            "Send files and folders (or - or --text); prints the code to give the receiver");
        ferry::cli::add_send_options(*send, send_opts);
        share = app.add_subcommand(
            "share", "Share files and folders with many receivers at once, until Ctrl-C");
        ferry::cli::add_share_options(*share, share_opts);
        receive =
            app.add_subcommand("receive", "Receive what the sender offers, with the code it got");
        receive->alias("recv");
        ferry::cli::add_receive_options(*receive, recv_opts);
        relay = app.add_subcommand("relay", "Run a relay that pairs senders and receivers");
        ferry::cli::add_relay_options(*relay, relay_opts);
        app.footer(footer);  // after the commands: they would inherit it
    }
};

int say_what() {
    return ferry::cli::report_usage("say what to do: send, receive, share or relay", "");
}

// Runs the command parsed.
int run_command(commands& c) {
    if (c.send->parsed()) {
        ferry::cli::run_send(c.send_opts);
    } else if (c.share->parsed()) {
        ferry::cli::run_share(c.share_opts);
    } else if (c.receive->parsed()) {
        ferry::cli::run_receive(c.recv_opts);
    } else if (c.relay->parsed()) {
        return ferry::cli::run_relay(c.relay_opts);
    } else {
        return say_what();
    }
    return 0;
}

int run(int argc, char** argv) {
    commands c;
    auto& app = c.app;
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) return say_what();
    if (args.front() == "help") return print_help(app, args);
    if (find_command(app, args.front()) == nullptr && looks_like_code(args.front())) {
        args.insert(args.begin(), "receive");
    }
    std::vector<char*> parsed{argv[0]};
    for (auto& arg : args)
        parsed.push_back(arg.data());
    try {
        app.parse(static_cast<int>(parsed.size()), parsed.data());
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
        return ferry::cli::report_usage_error(app, e);
    }
    return run_command(c);
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
