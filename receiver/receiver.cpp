#include "receiver/receiver.hpp"

#include <unistd.h>

#include <cerrno>
#include <optional>

#include <fmt/format.h>

#include "common/client_runner.hpp"
#include "common/code.hpp"
#include "common/exit_code.hpp"
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
#include "receiver/accept_prompt.hpp"
#include "receiver/cut_off.hpp"
#include "receiver/lan_finder.hpp"
#include "receiver/safe_file.hpp"

namespace ferry::receiver {

namespace {

using namespace std::chrono_literals;

// Room left beside the file so that a full disk is caught before accepting, not half way.
constexpr std::uint64_t free_space_margin = 1024 * 1024;

// GCC 12 destroys some temporaries twice when they appear in a co_await expression: callers
// pass named values or literals only.
awaitable<void> refuse(record_channel& channel, msg::reason why, std::string_view text) {
    const msg::message m = msg::refuse{why, std::string(text)};
    co_await channel.send_message(m);
}

std::string dir_text(const std::filesystem::path& dir) {
    auto s = dir.string();
    if (!s.ends_with('/')) s += '/';
    return printable(s);
}

// What the sender is told of a local failure: the cause ("No space left on device"), never the
// receiver's paths. Local failures read "<what, with a path>: <strerror text>".
std::string for_the_sender(const failure& f) {
    const std::string_view text = f.what();
    const auto colon = text.rfind(": ");
    if (colon == std::string_view::npos) return "the receiver could not write the file";
    return fmt::format("the receiver could not write the file: {}", text.substr(colon + 2));
}

// The connection ended during the data phase, `progress` into it.
struct lost_at {
    connection_closed closed;
    std::string detail;  // how far the data had come, if it had started
};

// Streams the DATA records into `file` (which hashes what it writes) until DONE; checks the hash,
// names the file, confirms to the sender. Returns the name the file was saved under.
awaitable<std::string> receive_data(record_channel& channel, safe_file& file,
                                    const std::string& offered_name, std::uint64_t size,
                                    std::string label, bool quiet) {
    std::uint64_t received = 0;
    progress_bar bar(std::move(label), size, !quiet && isatty(STDERR_FILENO) != 0);
    try {
        for (;;) {
            const auto payload = co_await channel.receive();
            if (!payload.empty() && payload[0] == static_cast<std::uint8_t>(msg::type::data)) {
                // The hot path: no allocation; hashing and disk writes run on the file's thread.
                const auto bytes = payload.subspan(1);
                if (bytes.empty() || bytes.size() > size - received) {
                    throw wire_error("the sender sent more bytes than it offered");
                }
                file.write(bytes);
                received += bytes.size();
                bar.update(received);
                continue;
            }
            const auto m = msg::decode(payload);
            if (const auto* a = std::get_if<msg::abort>(&m)) {
                throw failure(exit_code::peer,
                              fmt::format("the sender stopped: {}{}{}", msg::describe(a->why),
                                          a->text.empty() ? "" : ": ", printable(a->text)));
            }
            const auto* d = std::get_if<msg::done>(&m);
            if (d == nullptr) throw wire_error("unexpected message during the transfer");
            if (received != size) {
                throw wire_error(
                    fmt::format("the sender finished after {} of {} bytes", received, size));
            }
            bar.finish();
            const auto mine = file.finish();
            const msg::message verified = msg::verified{mine};
            if (mine != d->sha256) {
                co_await channel.send_message(verified);
                throw failure(exit_code::integrity,
                              fmt::format("the file arrived damaged: SHA-256 {} expected, {} "
                                          "received; nothing was saved",
                                          to_hex(d->sha256), to_hex(mine)));
            }
            auto saved = file.commit(offered_name);
            co_await channel.send_message(verified);
            co_return saved;
        }
    } catch (const connection_closed& e) {
        // Only the sender's authenticated DONE ends the stream, so nothing is kept; whether the
        // sender left or the relay was lost is worked out by the caller.
        throw cut_off(e, fmt::format("after {} of {}; nothing was saved", format_size(received),
                                     format_size(size)));
    }
}

// Asks the person, unless there is no terminal to ask on; returns only on a yes.
awaitable<void> ask_to_accept(record_channel& channel, const options& opts,
                              const msg::offer& offered, const std::string& name,
                              deadline& activity) {
    const auto shown_name = printable(offered.name);
    const auto renamed = name != offered.name;
    if (isatty(STDIN_FILENO) == 0) {
        co_await refuse(channel, msg::reason::not_interactive, "");
        throw failure(exit_code::peer,
                      fmt::format("refused '{}' ({}): there is no terminal to ask on; "
                                  "add --yes to accept without asking",
                                  shown_name, format_size(offered.size)));
    }
    const auto question =
        renamed ? fmt::format("Receive '{}' ({}) into {} as '{}' ('{}' exists)? Accept?",
                              shown_name, format_size(offered.size), dir_text(opts.output_dir),
                              printable(name), shown_name)
                : fmt::format("Receive '{}' ({}) into {}? Accept?", shown_name,
                              format_size(offered.size), dir_text(opts.output_dir));
    // The watchdog waits longer than the question; KEEPALIVEs keep the pair going meanwhile.
    activity.set(opts.prompt.answer_within + 1min);
    accept_prompt prompt(channel, opts.prompt);
    const auto said = co_await prompt.ask(question);
    activity.set(5min);
    if (said == answer::no_answer) {
        const auto waited = format_duration(opts.prompt.answer_within);
        const auto text = fmt::format("no answer within {}", waited);
        co_await refuse(channel, msg::reason::declined, text);
        throw failure(exit_code::peer,
                      fmt::format("no answer within {}: the transfer was refused", waited));
    }
    if (said == answer::no) {
        co_await refuse(channel, msg::reason::declined, "");
        throw failure(exit_code::peer, "you declined the transfer");
    }
}

// The relay given, or in LAN mode the sender's own relay, found by its announcement.
awaitable<tcp::socket> connect_to_relay(const options& opts, const code& c) {
    if (!opts.lan) co_return co_await connect_relay(opts.relay, 10s);
    if (!opts.quiet) {
        fmt::print(stderr, "Looking for the sender of nameplate {} on this network...\n",
                   c.nameplate);
    }
    const auto found = co_await find_sender_on_lan(c.nameplate, opts.lan_timeout);
    if (!found) {
        throw failure(
            exit_code::no_sender,
            fmt::format("no sender with nameplate {} answered on this network within {}. Are both "
                        "computers on the same network? Some networks (guest Wi-Fi, VPNs) block "
                        "multicast: then use the address the sender printed, as in "
                        "'ferry receive --relay ADDRESS:PORT {}', or a relay with --relay",
                        c.nameplate, format_duration(opts.lan_timeout), c.text()));
    }
    co_return co_await connect_endpoint(*found, 10s);
}

awaitable<void> run(const options& opts, const code& c, deadline& activity) {
    activity.set(30s);
    auto socket = co_await connect_to_relay(opts, c);
    co_await claim_nameplate(socket, c.nameplate);
    activity.set(5min);
    auto channel = co_await open_session(socket, activity, session_role::receiver, c);

    auto first = co_await channel->receive_message();
    auto* offered = std::get_if<msg::offer>(&first);
    if (offered == nullptr) throw wire_error("the sender did not start with an offer");
    const auto shown_name = printable(offered->name);

    if (auto why = unsafe_name_reason(offered->name)) {
        co_await refuse(*channel, msg::reason::bad_name, *why);
        throw failure(exit_code::network,
                      fmt::format("refused the file '{}': {}", shown_name, *why));
    }
    const auto space = free_space(opts.output_dir);
    if (offered->size > space || space - offered->size < free_space_margin) {
        const auto text =
            fmt::format("{} free, {} needed", format_size(space), format_size(offered->size));
        co_await refuse(*channel, msg::reason::no_space, text);
        throw failure(exit_code::local_io,
                      fmt::format("not enough free space in {} for '{}': {} needed, {} free",
                                  dir_text(opts.output_dir), shown_name, format_size(offered->size),
                                  format_size(space)));
    }

    const auto name = first_free_name(opts.output_dir, offered->name);
    if (!opts.yes) co_await ask_to_accept(*channel, opts, *offered, name, activity);

    // Created before saying yes, so that a folder we cannot write to is a refusal the sender
    // hears about, not a connection that just drops.
    std::optional<safe_file> file;
    std::optional<failure> local;
    try {
        file.emplace(opts.output_dir);
    } catch (const failure& f) {
        local = f;
    }
    if (local) {
        const auto text = for_the_sender(*local);
        co_await refuse(*channel, msg::reason::local_io, text);
        throw *local;
    }
    const msg::message accept = msg::accept{};
    co_await channel->send_message(accept);
    if (!opts.quiet) {
        fmt::print(stderr, "Receiving '{}' ({}) into {}\n", printable(name),
                   format_size(offered->size), dir_text(opts.output_dir));
    }

    try {
        auto label = printable(name);  // named: see the GCC 12 note in relay/server.cpp
        const auto saved = co_await receive_data(*channel, *file, offered->name, offered->size,
                                                 std::move(label), opts.quiet);
        if (!opts.quiet) {
            fmt::print("Saved {}{}, SHA-256 verified.\n", dir_text(opts.output_dir),
                       printable(saved));
        }
        co_return;
    } catch (const failure& f) {
        if (f.code() != exit_code::local_io) throw;
        local = f;  // the disk filled up, or similar: tell the sender before leaving
    }
    const msg::message abort = msg::abort{msg::reason::local_io, for_the_sender(*local)};
    co_await race(channel->send_message(abort), sleep_for(2s));
    throw *local;
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
    check_output_folder(opts.output_dir);
    run_client([&](deadline& activity) { return run_explained(opts, c, activity); });
}

}  // namespace ferry::receiver
