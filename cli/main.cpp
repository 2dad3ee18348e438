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

#include "cli/embedded_relay.hpp"
#include "cli/relay_command.hpp"
#include "common/address.hpp"
#include "common/exit_code.hpp"
#include "common/progress.hpp"
#include "common/units.hpp"
#include "receiver/receiver.hpp"
#include "sender/sender.hpp"

namespace {

using ferry::exit_code;

// Where to meet: --relay, else LAN mode if --lan, else $FERRY_RELAY, else LAN mode.
struct relay_choice {
    std::optional<ferry::host_port> relay;  // nullopt: LAN mode
};

relay_choice choose_relay(const std::string& flag, bool lan) {
    if (!flag.empty()) {
        if (lan) throw ferry::failure(exit_code::usage, "--lan and --relay exclude each other");
        return {ferry::parse_host_port(flag)};
    }
    if (lan) return {};
    if (const char* env = std::getenv("FERRY_RELAY"); env != nullptr && *env != '\0') {
        return {ferry::parse_host_port(env)};
    }
    return {};
}

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
    CLI::App app{"ferry: send a file to another computer with a short code"};
    app.name("ferry");
    app.set_version_flag("--version", "ferry " FERRY_VERSION);
    app.require_subcommand(1);

    std::string relay_flag;
    bool quiet = false;
    bool lan = false;

    ferry::sender::options send_opts;
    std::string limit_rate;
    auto* send = app.add_subcommand("send", "Send a file; prints the code to give the receiver");
    send->add_option("file", send_opts.file, "The file to send")->required();
    send->add_option("--relay", relay_flag,
                     "Relay address: host:port, [v6]:port or tcp://host:port "
                     "(default: $FERRY_RELAY, else LAN mode)");
    send->add_option("--code-words", send_opts.code_words, "Words in the code (2-8)")
        ->check(CLI::Range(2, 8))
        ->default_val(2);
    send->add_option("--limit-rate", limit_rate,
                     "Send at most this many bytes a second (e.g. 10M)");
    send->add_flag("-q,--quiet", quiet, "Print only the code, then errors only");
    send->add_flag("--lan", lan,
                   "LAN mode even if FERRY_RELAY is set: run a relay here and announce it on the "
                   "local network (the default when no relay is configured)");
    std::uint16_t lan_port = 0;
    send->add_option("--port", lan_port,
                     "LAN mode: TCP port of the relay here (default: any free)");

    ferry::receiver::options recv_opts;
    std::vector<std::string> code_parts;
    auto* receive = app.add_subcommand("receive", "Receive a file with the code the sender got");
    receive->add_option("code", code_parts, "The code, e.g. 7-crossover-clockwork")->required();
    receive->add_option("--relay", relay_flag,
                        "Relay address (default: $FERRY_RELAY, else LAN mode)");
    receive->add_option("-o,--output", recv_opts.output_dir, "Folder to save into (default: .)");
    receive->add_flag("-y,--yes", recv_opts.yes,
                      "Accept without asking; save as 'name (1).ext' if the name exists");
    receive->add_flag("-q,--quiet", quiet, "Print errors only");
    receive->add_flag("--lan", lan,
                      "LAN mode even if FERRY_RELAY is set: find the sender on the local network "
                      "(the default when no relay is configured)");
    std::string lan_timeout = "5s";
    receive->add_option("--lan-timeout", lan_timeout,
                        "LAN mode: how long to look for the sender (default 5s)");
    std::string accept_timeout = "30min";
    receive->add_option("--accept-timeout", accept_timeout,
                        "How long the Accept? question waits for an answer (default 30min)");
    // Not for people: how often a deciding receiver tells the sender, so that tests can keep a
    // pair alive past a short relay idle limit.
    std::string keepalive_interval = "15s";
    receive->add_option("--keepalive-interval", keepalive_interval)->group("");

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
        const auto r = choose_relay(relay_flag, lan);
        send_opts.quiet = quiet;
        if (!limit_rate.empty()) send_opts.limit_rate = ferry::parse_size(limit_rate);
        if (r.relay) {
            send_opts.relay = *r.relay;
            ferry::sender::send(send_opts);
        } else {
            ferry::cli::embedded_relay own(lan_port);
            send_opts.relay = ferry::host_port{"127.0.0.1", own.port()};
            send_opts.lan = true;
            send_opts.lan_port = own.port();
            ferry::sender::send(send_opts);
        }
    } else if (receive->parsed()) {
        const auto r = choose_relay(relay_flag, lan);
        if (r.relay) recv_opts.relay = *r.relay;
        recv_opts.lan = !r.relay;
        recv_opts.lan_timeout = ferry::parse_duration(lan_timeout);
        recv_opts.prompt.answer_within = ferry::parse_duration(accept_timeout);
        recv_opts.prompt.keepalive_every = ferry::parse_duration(keepalive_interval);
        recv_opts.quiet = quiet;
        std::string code;
        for (const auto& part : code_parts)
            code += (code.empty() ? "" : " ") + part;
        recv_opts.code = code;
        ferry::receiver::receive(recv_opts);
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
