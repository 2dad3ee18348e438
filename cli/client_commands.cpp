#include "cli/client_commands.hpp"

#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

#include "cli/embedded_relay.hpp"
#include "cli/usage_error.hpp"
#include "common/session/code.hpp"
#include "common/transfer/chunk_compression.hpp"
#include "common/transfer/message.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "sender/text_source.hpp"

namespace ferry::cli {

std::optional<host_port> choose_relay(const std::string& flag, bool lan) {
    if (!flag.empty()) {
        if (lan) throw failure(exit_code::usage, "--lan and --relay exclude each other");
        return parse_host_port(flag);
    }
    if (lan) return std::nullopt;
    if (const char* env = std::getenv("FERRY_RELAY"); env != nullptr && *env != '\0') {
        return parse_host_port(env);
    }
    return std::nullopt;
}

int parse_compress(const std::string& value) {
    if (value == "auto") return sender::compress_auto;
    if (value == "off") return sender::compress_off;
    int level = 0;
    const auto* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, level);
    if (ec != std::errc() || ptr != end || level < 1 || level > transfer::max_compression_level) {
        throw failure(exit_code::usage,
                      fmt::format("--compress takes auto, off or a level from 1 to {}, not '{}'",
                                  transfer::max_compression_level, printable(value)));
    }
    return level;
}

void add_relay_address_option(CLI::App& app, std::string& relay) {
    app.add_option("--relay", relay,
                   "Relay address: host:port, [v6]:port or tcp://host:port "
                   "(default: $FERRY_RELAY, else LAN mode)")
        ->type_name("ADDR");
}

void add_stall_timeout_option(CLI::App& app, std::string& stall_timeout) {
    app.add_option("--stall-timeout", stall_timeout,
                   "A connection on which nothing arrives for this long is taken for broken and "
                   "reconnected (default 30s; at least 3s)")
        ->type_name("T");
}

void add_reconnect_options(CLI::App& app, std::string& reconnect_for, std::string& stall_timeout) {
    app.add_option("--reconnect-for", reconnect_for,
                   "When the connection breaks, reconnect for this long (default 2min; 0: never)")
        ->type_name("T");
    add_stall_timeout_option(app, stall_timeout);
}

void add_send_options(CLI::App& app, send_settings& s) {
    app.add_option("paths", s.opts.paths,
                   "Files and folders to send, any mix ('-' alone: standard input, as a stream)");
    app.add_option("--text", s.text,
                   "Send this text instead of a file ('-': read it from standard input), at "
                   "most 64 KiB; the receiver prints it")
        ->type_name("TEXT");
    // A file, or --text: checked as CLI11 checks the rest, so the error reads like theirs.
    app.callback([&s] {
        if (s.text && !s.opts.paths.empty()) {
            throw CLI::ValidationError("give files or --text, not both");
        }
        if (!s.text && s.opts.paths.empty()) {
            throw CLI::ValidationError(
                "say what to send: files or folders, - (standard input) or --text TEXT");
        }
    });
    add_relay_address_option(app, s.relay);
    app.add_option("--code-words", s.opts.code_words, "Words in the code (2-8; default 2)")
        ->check(whole_number_from(min_code_words, max_code_words))
        ->default_val(2);
    app.add_option("--limit-rate", s.limit_rate,
                   "Send at most this many bytes a second on the wire (e.g. 10M)")
        ->type_name("RATE");
    app.add_option("--compress", s.compress,
                   "zstd: auto (the default: files whose sample shrinks by 10 % or more), off, "
                   "or a level 1-19 for every file")
        ->type_name("MODE");
    app.add_flag("-q,--quiet", s.opts.quiet, "Print only the code, then errors only");
    app.add_flag("-v,--verbose", s.opts.verbose, "Show the whole SHA-256 in the last line");
    app.add_flag("--lan", s.lan,
                 "LAN mode even if FERRY_RELAY is set: run a relay here and announce it on the "
                 "local network (the default when no relay is configured)");
    app.add_option("--port", s.lan_port, "LAN mode: TCP port of the relay here (default: any free)")
        ->type_name("N");
    add_reconnect_options(app, s.reconnect_for, s.stall_timeout);
}

void add_receive_options(CLI::App& app, receive_settings& s) {
    app.add_option("code", s.code_parts,
                   "The code, e.g. 7-crossover-clockwork (none: asked for, Tab completes its "
                   "words); from a share, the paths to take may "
                   "follow it (as --list shows them; none: everything)");
    app.add_flag("--list", s.opts.list,
                 "From a share: list what it holds (sizes, times) and take nothing");
    app.callback([&s] {
        if (s.discard_partial && !s.code_parts.empty()) {
            throw CLI::ValidationError("--discard-partial takes no code");
        }
        // No code: ferry receive asks for it on a terminal (receiver::receive).
    });
    app.add_option("--relay", s.relay, "Relay address (default: $FERRY_RELAY, else LAN mode)")
        ->type_name("ADDR");
    app.add_option("-o,--output", s.opts.output_dir, "Folder to save into (default: .)")
        ->type_name("DIR");
    app.add_flag("--stdout", s.opts.to_stdout,
                 "Write the file's (or stream's) bytes to standard output instead of a folder "
                 "(also: -o -)");
    app.add_flag("-y,--yes", s.opts.yes,
                 "Accept without asking; save as 'name (1).ext' if the name exists");
    app.add_flag("--ask", s.opts.ask,
                 "Ask before showing a short text too (one up to 2 KiB is shown without asking)");
    app.add_flag("-q,--quiet", s.opts.quiet, "Print errors only");
    app.add_flag("-v,--verbose", s.opts.verbose, "Show the SHA-256 in the last line");
    app.add_flag("--no-resume", s.no_resume,
                 "Start afresh even if an interrupted transfer of the same file left part of it "
                 "here");
    app.add_flag("--discard-partial", s.discard_partial,
                 "Remove what interrupted transfers left in the folder (.ferry-partial-*), "
                 "receive nothing");
    app.add_flag("--lan", s.lan,
                 "LAN mode even if FERRY_RELAY is set: find the sender on the local network "
                 "(the default when no relay is configured)");
    app.add_option("--lan-timeout", s.lan_timeout,
                   "LAN mode: how long to look for the sender (default 5s)")
        ->type_name("T");
    app.add_option("--accept-timeout", s.accept_timeout,
                   "How long the Accept? question waits for an answer (default 30min)")
        ->type_name("T");
    // Not for people: how often a deciding receiver tells the sender, so that tests can keep a
    // pair alive past a short relay idle limit.
    app.add_option("--keepalive-interval", s.keepalive_interval)->group("");
    add_reconnect_options(app, s.reconnect_for, s.stall_timeout);
}

std::chrono::milliseconds parse_stall_timeout(const std::string& value) {
    const auto d = parse_duration(value);
    if (d < std::chrono::seconds(3)) {
        throw failure(exit_code::usage, "--stall-timeout must be at least 3s");
    }
    return d;
}

void run_send(send_settings& s) {
    if (s.text) s.opts.text = sender::text_to_send(*s.text);
    const auto relay = choose_relay(s.relay, s.lan);
    if (!s.limit_rate.empty()) s.opts.limit_rate = parse_size(s.limit_rate);
    s.opts.compress = parse_compress(s.compress);
    s.opts.reconnect_for = parse_duration(s.reconnect_for);
    s.opts.stall_timeout = parse_stall_timeout(s.stall_timeout);
    if (relay) {
        s.opts.relay = *relay;
        sender::send(s.opts);
        return;
    }
    embedded_relay own(s.lan_port);
    s.opts.relay = host_port{"127.0.0.1", own.port()};
    s.opts.lan = true;
    s.opts.lan_port = own.port();
    sender::send(s.opts);
}

namespace {

// "31-tracker-voyager-unicorn course/week1 slides.pdf": a code written whole (with hyphens)
// may be followed by the paths to take from a share; "7 crossover clockwork" is a code alone.
void split_code_and_paths(receive_settings& s) {
    s.opts.code.clear();
    s.opts.take.clear();
    const auto& parts = s.code_parts;
    if (!parts.empty() && parts.front().find('-') != std::string::npos) {
        s.opts.code = parts.front();
        s.opts.take.assign(parts.begin() + 1, parts.end());
    } else {
        for (const auto& part : parts)
            s.opts.code += (s.opts.code.empty() ? "" : " ") + part;
    }
    if (s.opts.list && !s.opts.take.empty()) {
        throw failure(exit_code::usage, "--list takes no paths: it lists everything");
    }
    if (s.opts.take.size() > msg::max_offer_items) {
        throw failure(exit_code::usage,
                      fmt::format("at most {} paths at once", grouped(msg::max_offer_items)));
    }
    for (const auto& path : s.opts.take) {
        if (path.empty() || path.size() > msg::max_path_bytes) {
            throw failure(exit_code::usage,
                          fmt::format("'{}' is not a path of a share", printable(path)));
        }
    }
}

}  // namespace

void run_receive(receive_settings& s) {
    if (s.discard_partial) {
        if (s.opts.output_dir == "-")
            throw failure(exit_code::usage, "--discard-partial needs a folder, not -");
        const auto removed = receiver::discard(s.opts);
        const auto folder = printable_folder(s.opts.output_dir);
        if (removed.folders == 0 && removed.busy == 0) {
            fmt::print("Nothing to remove: no partial transfers in {}\n", folder);
        } else {
            fmt::print("Removed {} from {} ({} of partial data)\n",
                       plural(removed.folders, "partial transfer"), folder,
                       format_size(removed.bytes));
        }
        if (removed.busy > 0) {
            fmt::print("Left {} that a running ferry receive is writing\n",
                       plural(removed.busy, "partial transfer"));
        }
        return;
    }
    const auto relay = choose_relay(s.relay, s.lan);
    if (relay) s.opts.relay = *relay;
    s.opts.lan = !relay;
    s.opts.resume = !s.no_resume;
    if (s.opts.output_dir == "-") s.opts.to_stdout = true;
    s.opts.lan_timeout = parse_duration(s.lan_timeout);
    s.opts.prompt.answer_within = parse_duration(s.accept_timeout);
    s.opts.prompt.keepalive_every = parse_duration(s.keepalive_interval);
    s.opts.reconnect_for = parse_duration(s.reconnect_for);
    s.opts.stall_timeout = parse_stall_timeout(s.stall_timeout);
    split_code_and_paths(s);
    receiver::receive(s.opts);
}

}  // namespace ferry::cli
