#include "receiver/receive_session.hpp"

#include <unistd.h>

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "common/net/phases.hpp"
#include "common/net/race.hpp"
#include "common/transfer/message_channel.hpp"
#include "common/transfer/safe_name.hpp"
#include "common/transfer/tree_summary.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/progress.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "common/wire/wire_error.hpp"
#include "receiver/accept_prompt.hpp"
#include "receiver/cut_off.hpp"
#include "receiver/inflater.hpp"
#include "receiver/safe_file.hpp"
#include "receiver/stdout_sink.hpp"
#include "receiver/text_sink.hpp"
#include "receiver/tree_transfer.hpp"

namespace ferry::receiver {

namespace {

using namespace std::chrono_literals;

// Room left beside the file so that a full disk is caught before accepting, not half way.
constexpr std::uint64_t free_space_margin = 1024 * 1024;

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

// "a text (12 bytes)", "'stdin' (size unknown)", "'report.pdf' (12.4 MiB)".
std::string describe_offer(const msg::offer& offered) {
    switch (static_cast<msg::offer_kind>(offered.kind)) {
        case msg::offer_kind::text:
            return fmt::format("a text ({})", plural(offered.size, "byte"));
        case msg::offer_kind::stream:
            return fmt::format("'{}' (size unknown)", printable(offered.name));
        case msg::offer_kind::tree:
            return fmt::format("{} ({})", transfer::items_label(offered),
                               transfer::tree_totals(offered));
        case msg::offer_kind::file:
            break;
    }
    return fmt::format("'{}' ({})", printable(offered.name), format_size(offered.size));
}

std::string question_for(const msg::offer& offered, const std::string& name,
                         const std::string& where) {
    const auto kind = static_cast<msg::offer_kind>(offered.kind);
    if (kind == msg::offer_kind::text) {
        return fmt::format("Receive a text ({}), to be shown here? Accept?",
                           plural(offered.size, "byte"));
    }
    const auto shown_name = printable(offered.name);
    const auto size =
        kind == msg::offer_kind::stream ? std::string("size unknown") : format_size(offered.size);
    if (name != offered.name) {
        return fmt::format("Receive '{}' ({}) into {} as '{}' ('{}' exists)? Accept?", shown_name,
                           size, where, printable(name), shown_name);
    }
    return fmt::format("Receive '{}' ({}) into {}? Accept?", shown_name, size, where);
}

}  // namespace

receive_session::receive_session(record_channel& channel, const options& opts, deadline& activity)
    : channel_(channel), opts_(opts), activity_(activity) {}

awaitable<void> receive_session::run() {
    co_await read_offer();
    co_await check_offer();
    co_await decide();
    if (is_tree()) {
        co_await open_staging();
        co_await receive_tree();
        co_return;
    }
    auto out = co_await open_sink();
    const msg::message accept = msg::accept{};
    co_await send_message(channel_, accept);
    if (!opts_.quiet && !is_text()) {
        fmt::print(stderr, "Receiving '{}' ({}) into {}\n", printable(name_),
                   is_stream() ? std::string("size unknown") : format_size(offer_.size), where());
    }
    std::optional<failure> local;
    try {
        const auto saved = co_await receive_data(*out);
        if (opts_.quiet) co_return;
        if (is_text()) {
            fmt::print(stderr, "Text received, SHA-256 verified.\n");
        } else if (opts_.to_stdout) {
            fmt::print(stderr, "Wrote {} to standard output, SHA-256 verified.\n",
                       format_size(received_));
        } else {
            fmt::print("Saved {}{}, SHA-256 verified.\n", dir_text(opts_.output_dir),
                       printable(saved));
        }
        co_return;
    } catch (const failure& f) {
        if (f.code() != exit_code::local_io) throw;
        local = f;  // the disk filled up, or similar: tell the sender before leaving
    }
    const msg::message abort = msg::abort{msg::reason::local_io, for_the_sender(*local)};
    co_await race(send_message(channel_, abort), sleep_for(2s));
    throw *local;
}

awaitable<void> receive_session::read_offer() {
    activity_.enter(phases::data);
    auto first = co_await receive_message(channel_);
    auto* offered = std::get_if<msg::offer>(&first);
    if (offered == nullptr) throw wire_error("the sender did not start with an offer");
    offer_ = *offered;
}

bool receive_session::is_tree() const {
    return offer_.kind == static_cast<std::uint8_t>(msg::offer_kind::tree);
}

bool receive_session::is_text() const {
    return offer_.kind == static_cast<std::uint8_t>(msg::offer_kind::text);
}

bool receive_session::is_stream() const {
    return offer_.kind == static_cast<std::uint8_t>(msg::offer_kind::stream);
}

std::string receive_session::where() const {
    return opts_.to_stdout ? std::string("standard output") : dir_text(opts_.output_dir);
}

awaitable<void> receive_session::check_offer() {
    if (is_text()) co_return;
    if (is_tree()) {
        co_await check_tree_offer();
        co_return;
    }  // no name, no file; its size is bounded by the codec
    const auto shown_name = printable(offer_.name);
    if (auto why = unsafe_name_reason(offer_.name)) {
        co_await refuse(msg::reason::bad_name, *why);
        throw failure(exit_code::network,
                      fmt::format("refused the file '{}': {}", shown_name, *why));
    }
    if (opts_.to_stdout) {
        name_ = offer_.name;  // only shown: nothing is named
        co_return;
    }
    name_ = first_free_name(opts_.output_dir, offer_.name);
    if (is_stream()) co_return;  // its size is not known: a full disk stops it cleanly (exit 7)
    const auto space = free_space(opts_.output_dir);
    if (offer_.size > space || space - offer_.size < free_space_margin) {
        const auto text =
            fmt::format("{} free, {} needed", format_size(space), format_size(offer_.size));
        co_await refuse(msg::reason::no_space, text);
        throw failure(exit_code::local_io,
                      fmt::format("not enough free space in {} for '{}': {} needed, {} free",
                                  dir_text(opts_.output_dir), shown_name, format_size(offer_.size),
                                  format_size(space)));
    }
}

awaitable<void> receive_session::decide() {
    if (opts_.yes) co_return;
    if (isatty(STDIN_FILENO) == 0) {
        co_await refuse(msg::reason::not_interactive, "");
        throw failure(exit_code::peer, fmt::format("refused {}: there is no terminal to ask on; "
                                                   "add --yes to accept without asking",
                                                   describe_offer(offer_)));
    }
    // The watchdog waits longer than the question; KEEPALIVEs keep the pair going meanwhile.
    activity_.enter("waiting for your answer", opts_.prompt.answer_within + 1min);
    accept_prompt prompt(channel_, opts_.prompt);
    const auto question =
        is_tree() ? tree_question(offer_, names_, where()) : question_for(offer_, name_, where());
    const auto said = co_await prompt.ask(question);
    activity_.enter(phases::data);
    if (said == answer::no_answer) {
        const auto waited = format_duration(opts_.prompt.answer_within);
        const auto text = fmt::format("no answer within {}", waited);
        co_await refuse(msg::reason::declined, text);
        throw failure(exit_code::peer,
                      fmt::format("no answer within {}: the transfer was refused", waited));
    }
    if (said == answer::no) {
        co_await refuse(msg::reason::declined, "");
        throw failure(exit_code::peer, "you declined the transfer");
    }
}

awaitable<std::unique_ptr<sink>> receive_session::open_sink() {
    std::optional<failure> local;
    if (is_text()) co_return std::make_unique<text_sink>();
    if (opts_.to_stdout) co_return std::make_unique<stdout_sink>();
    try {
        co_return std::make_unique<safe_file>(opts_.output_dir);
    } catch (const failure& f) {
        local = f;
    }
    const auto text = for_the_sender(*local);
    co_await refuse(msg::reason::local_io, text);
    throw *local;
}

awaitable<std::string> receive_session::receive_data(sink& out) {
    progress_bar bar(printable(name_), is_stream() ? unknown_total : offer_.size,
                     !opts_.quiet && !is_text() && isatty(STDERR_FILENO) != 0);
    // Made at the first ZDATA; here, so that it stops before the sink it writes into goes.
    std::unique_ptr<inflater> unpack;
    try {
        for (;;) {
            const auto payload = co_await channel_.receive();
            if (take_data(out, unpack, payload)) {
                bar.update(received_);
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
            bar.finish();
            if (unpack) unpack->finish();
            auto saved = co_await on_done(out, *d);
            co_return saved;
        }
    } catch (const connection_closed& e) {
        // Only the sender's authenticated DONE ends the stream, so nothing is kept; whether the
        // sender left or the relay was lost is worked out by the caller.
        const auto of = is_stream() ? std::string("a stream") : format_size(offer_.size);
        const auto kept =
            opts_.to_stdout ? "what standard output got is incomplete" : "nothing was saved";
        throw cut_off(e, fmt::format("after {} of {}; {}", format_size(received_), of, kept));
    }
}

// The hot path: a DATA or ZDATA record, checked against the offer and passed on without
// allocating; hashing, decompressing and disk writes run on other threads. False for anything
// else.
bool receive_session::take_data(sink& out, std::unique_ptr<inflater>& unpack, byte_span payload) {
    if (payload.empty()) return false;
    const auto kind = static_cast<msg::type>(payload[0]);
    std::size_t n = 0;
    if (kind == msg::type::data) {
        n = payload.size() - 1;
        if (n == 0) throw wire_error("empty data message");
    } else if (kind == msg::type::zdata) {
        n = std::get<msg::zdata>(msg::decode(payload)).raw_size;
        if (!unpack) unpack = std::make_unique<inflater>(out);
    } else {
        return false;
    }
    if (!is_stream() && n > offer_.size - received_) {
        throw wire_error("the sender sent more bytes than it offered");
    }
    if (unpack) {
        unpack->post(payload);
    } else {
        out.write(payload.subspan(1));
    }
    received_ += n;
    return true;
}

awaitable<std::string> receive_session::on_done(sink& out, const msg::done& d) {
    if (!is_stream() && received_ != offer_.size) {
        throw wire_error(
            fmt::format("the sender finished after {} of {} bytes", received_, offer_.size));
    }
    const auto mine = out.finish();
    const msg::message verified = msg::verified{mine};
    if (mine != d.sha256) {
        co_await send_message(channel_, verified);
        const auto* what = is_text()         ? "the text arrived damaged; it was not shown"
                           : opts_.to_stdout ? "what standard output got is damaged: discard it"
                                             : "the file arrived damaged; nothing was saved";
        throw failure(exit_code::integrity, fmt::format("{} (SHA-256 {} expected, {} received)",
                                                        what, to_hex(d.sha256), to_hex(mine)));
    }
    auto saved = out.commit(offer_.name);
    co_await send_message(channel_, verified);
    co_return saved;
}

awaitable<void> receive_session::check_tree_offer() {
    const auto what =
        fmt::format("{} ({})", transfer::items_label(offer_), transfer::tree_totals(offer_));
    if (opts_.to_stdout) {
        co_await refuse(msg::reason::unsupported, "files and folders cannot go to standard output");
        throw failure(exit_code::usage,
                      fmt::format("refused {}: files and folders cannot be written to standard "
                                  "output; receive them into a folder (-o DIR, without --stdout)",
                                  what));
    }
    for (const auto& item : offer_.items) {
        auto why = unsafe_name_reason(item.name);
        if (!why && std::count_if(offer_.items.begin(), offer_.items.end(),
                                  [&](const auto& i) { return i.name == item.name; }) > 1) {
            why = "two items have this name";
        }
        if (why) {
            const auto text = fmt::format("'{}': {}", printable(item.name), *why);
            co_await refuse(msg::reason::bad_name, text);
            throw failure(exit_code::network, fmt::format("refused {}: {}", what, text));
        }
        names_.push_back(first_free_item_name(opts_.output_dir, item.name, item.type));
    }
    std::optional<failure> no_room;
    try {
        check_tree_space(opts_.output_dir, offer_);
    } catch (const failure& f) {
        no_room = f;
    }
    if (no_room) {
        const std::string_view all = no_room->what();  // "...: 1.2 GiB needed, 800 MiB free"
        const auto text = std::string(all.substr(all.rfind(": ") + 2));
        co_await refuse(msg::reason::no_space, text);
        throw *no_room;
    }
}

awaitable<void> receive_session::open_staging() {
    std::optional<failure> local;
    try {
        staging_ = std::make_unique<staging_tree>(opts_.output_dir);
    } catch (const failure& f) {
        local = f;
    }
    if (local) {
        const auto text = for_the_sender(*local);
        co_await refuse(msg::reason::local_io, text);
        throw *local;
    }
}

// Any failure of the receiver's own is told to the sender (an ABORT) before it ends the
// command; the staging folder goes with it.
awaitable<void> receive_session::receive_tree() {
    const msg::message accept = msg::accept{};
    co_await send_message(channel_, accept);
    if (!opts_.quiet) {
        fmt::print(stderr, "Receiving {}: {} into {}\n", transfer::items_label(offer_),
                   transfer::tree_totals(offer_), where());
    }
    std::optional<failure> stopped;
    try {
        tree_transfer transfer(channel_, opts_, offer_, *staging_);
        const auto names = co_await transfer.run();
        staging_.reset();
        if (!opts_.quiet) print_saved(names);
        co_return;
    } catch (const failure& f) {
        if (f.code() == exit_code::peer) throw;  // the sender stopped: nothing to tell it
        stopped = f;
    } catch (const wire_error& e) {  // a record the codec refuses
        stopped = failure(exit_code::network, fmt::format("protocol error: {}", e.what()));
    }
    staging_.reset();  // removes what was received before the sender hears of it
    const auto why =
        stopped->code() == exit_code::local_io ? msg::reason::local_io : msg::reason::protocol;
    const auto text =
        why == msg::reason::local_io ? for_the_sender(*stopped) : std::string(stopped->what());
    const msg::message abort = msg::abort{why, text};
    co_await race(send_message(channel_, abort), sleep_for(2s));
    throw *stopped;
}

void receive_session::print_saved(const std::vector<std::string>& names) const {
    std::string shown;
    for (std::size_t i = 0; i < names.size() && i < 3; ++i) {
        const bool folder = offer_.items[i].type == msg::entry_type::folder;
        shown += fmt::format("{}{}{}", i == 0 ? "" : ", ", printable(names[i]), folder ? "/" : "");
    }
    if (names.size() > 3) shown += fmt::format(" and {} more", grouped(names.size() - 3));
    fmt::print("Saved {} into {} ({}: {}), every file SHA-256 verified.\n",
               plural(names.size(), "item"), dir_text(opts_.output_dir), shown,
               transfer::tree_totals(offer_));
}

// GCC 12 destroys some temporaries twice when they appear in a co_await expression: callers
// pass named values or literals only.
awaitable<void> receive_session::refuse(msg::reason why, std::string_view text) {
    const msg::message m = msg::refuse{why, std::string(text)};
    co_await send_message(channel_, m);
}

}  // namespace ferry::receiver
