#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "cli/relay_command.hpp"
#include "common/address.hpp"
#include "common/exit_code.hpp"
#include "common/units.hpp"
#include "receiver/receiver.hpp"
#include "sender/sender.hpp"

namespace {

using ferry::exit_code;

struct relay_choice {
    ferry::host_port address;
    bool given = false;
};

// --relay, else FERRY_RELAY, else the local default.
relay_choice choose_relay(const std::string& flag) {
    if (!flag.empty()) return {ferry::parse_host_port(flag), true};
    if (const char* env = std::getenv("FERRY_RELAY"); env != nullptr && *env != '\0') {
        return {ferry::parse_host_port(env), true};
    }
    return {ferry::host_port{"127.0.0.1", ferry::default_relay_port}, false};
}

int run(int argc, char** argv) {
    CLI::App app{"ferry: send a file to another computer with a short code"};
    app.name("ferry");
    app.set_version_flag("--version", "ferry " FERRY_VERSION);
    app.require_subcommand(1);

    std::string relay_flag;
    bool quiet = false;

    ferry::sender::options send_opts;
    std::string limit_rate;
    auto* send = app.add_subcommand("send", "Send a file; prints the code to give the receiver");
    send->add_option("file", send_opts.file, "The file to send")->required();
    send->add_option("--relay", relay_flag,
                     "Relay address: host:port, [v6]:port or tcp://host:port "
                     "(default: $FERRY_RELAY, else 127.0.0.1:9009)");
    send->add_option("--code-words", send_opts.code_words, "Words in the code (2-8)")
        ->check(CLI::Range(2, 8))
        ->default_val(2);
    send->add_option("--limit-rate", limit_rate,
                     "Send at most this many bytes a second (e.g. 10M)");
    send->add_flag("-q,--quiet", quiet, "Print only the code, then errors only");

    ferry::receiver::options recv_opts;
    std::vector<std::string> code_parts;
    auto* receive = app.add_subcommand("receive", "Receive a file with the code the sender got");
    receive->add_option("code", code_parts, "The code, e.g. 7-crossover-clockwork")->required();
    receive->add_option("--relay", relay_flag,
                        "Relay address (default: $FERRY_RELAY, else 127.0.0.1:9009)");
    receive->add_option("-o,--output", recv_opts.output_dir, "Folder to save into (default: .)");
    receive->add_flag("-y,--yes", recv_opts.yes,
                      "Accept without asking; save as 'name (1).ext' if the name exists");
    receive->add_flag("-q,--quiet", quiet, "Print errors only");

    ferry::cli::relay_settings relay_opts;
    auto* relay = app.add_subcommand("relay", "Run a relay that pairs senders and receivers");
    ferry::cli::add_relay_options(*relay, relay_opts);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
        app.exit(e);
        return static_cast<int>(exit_code::usage);
    }

    if (send->parsed()) {
        const auto r = choose_relay(relay_flag);
        send_opts.relay = r.address;
        send_opts.relay_given = r.given;
        send_opts.quiet = quiet;
        if (!limit_rate.empty()) send_opts.limit_rate = ferry::parse_size(limit_rate);
        ferry::sender::send(send_opts);
    } else if (receive->parsed()) {
        recv_opts.relay = choose_relay(relay_flag).address;
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
    try {
        return run(argc, argv);
    } catch (const ferry::failure& f) {
        std::fflush(stdout);
        fmt::print(stderr, "ferry: {}\n", f.what());
        return static_cast<int>(f.code());
    } catch (const std::exception& e) {
        std::fflush(stdout);
        fmt::print(stderr, "ferry: internal error: {}\n", e.what());
        return static_cast<int>(exit_code::internal);
    }
}
