#include "receiver/receive_session.hpp"

#include <unistd.h>

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "common/net/phases.hpp"
#include "common/transfer/kept_entry.hpp"
#include "common/transfer/last_words.hpp"
#include "common/transfer/message_channel.hpp"
#include "common/transfer/safe_name.hpp"
#include "common/transfer/still_here.hpp"
#include "common/transfer/tree_summary.hpp"
#include "common/ui/command_hint.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/progress.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "common/wire/wire_error.hpp"
#include "receiver/accept_prompt.hpp"
#include "receiver/cut_off.hpp"
#include "receiver/inflater.hpp"
#include "receiver/safe_file.hpp"
#include "receiver/sender_stopped.hpp"
#include "receiver/share_listing.hpp"
#include "receiver/stdout_sink.hpp"
#include "receiver/text_sink.hpp"
#include "receiver/tree_transfer.hpp"

namespace ferry::receiver {

namespace {

using namespace std::chrono_literals;

// A text up to this size is shown without the Accept? question (unless --ask).
constexpr std::uint64_t short_text_bytes = 2048;

// Room left beside the file so that a full disk is caught before accepting, not half way.
constexpr std::uint64_t free_space_margin = 1024 * 1024;

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

// `kept`: bytes of the file an interrupted transfer left here.
std::string question_for(const msg::offer& offered, const std::string& name,
                         const std::string& where, std::uint64_t kept) {
    const auto kind = static_cast<msg::offer_kind>(offered.kind);
    if (kind == msg::offer_kind::text) {
        return fmt::format("Receive a text ({}), to be shown here? Accept?",
                           plural(offered.size, "byte"));
    }
    const auto shown_name = printable(offered.name);
    auto size =
        kind == msg::offer_kind::stream ? std::string("size unknown") : format_size(offered.size);
    if (kept > 0) {
        size +=
            fmt::format("; {} of it already here from an interrupted transfer", format_size(kept));
    }
    if (name != offered.name) {
        return fmt::format("Receive '{}' ({}) into {} as '{}' ('{}' exists)? Accept?", shown_name,
                           size, where, printable(name), shown_name);
    }
    return fmt::format("Receive '{}' ({}) into {}? Accept?", shown_name, size, where);
}

}  // namespace

receive_session::receive_session(record_channel& channel, const options& opts, deadline& activity,
                                 bool sender_resumes, bool sender_resumes_trees, kept_partial& kept)
    : channel_(channel),
      opts_(opts),
      activity_(activity),
      sender_resumes_(sender_resumes),
      sender_resumes_trees_(sender_resumes_trees),
      kept_(kept) {}

awaitable<void> receive_session::run() {
    if (!co_await read_offer()) co_return;
    co_await check_offer();
    co_await decide();
    if (is_tree()) {
        co_await open_staging();
        co_await receive_tree();
        co_return;
    }
    std::unique_ptr<sink> owned;
    if (!partial_) owned = co_await open_sink();
    sink& out = partial_ ? static_cast<sink&>(*partial_) : *owned;
    std::optional<failure> local;
    try {
        co_await answer_file();
        if (!opts_.quiet && !is_text()) {
            fmt::print(stderr, "Receiving '{}' ({}) into {}\n", printable(name_),
                       is_stream() ? std::string("size unknown") : format_size(offer_.size),
                       where());
        }
        const auto saved = co_await receive_data(out);
        if (opts_.quiet) co_return;
        const auto digest = opts_.verbose ? " (" + to_hex(verified_) + ")" : std::string();
        if (is_text()) {
            fmt::print(stderr, "Text received, SHA-256 verified{}.\n", digest);
        } else if (opts_.to_stdout) {
            fmt::print(stderr, "Wrote {} to standard output, SHA-256 verified{}.\n",
                       format_size(received_), digest);
        } else {
            fmt::print("Saved {}{}, SHA-256 verified{}.\n", printable_folder(opts_.output_dir),
                       printable(saved), digest);
        }
        co_return;
    } catch (const failure& f) {
        if (f.code() != exit_code::local_io) throw;
        local = f;  // the disk filled up, or similar: tell the sender before leaving
    }
    const msg::abort abort{msg::reason::local_io, for_the_sender(*local)};
    co_await transfer::last_words(channel_, abort);
    throw *local;
}

awaitable<bool> receive_session::read_offer() {
    activity_.enter(phases::data);
    auto first = co_await receive_message(channel_);
    if (std::holds_alternative<msg::shared>(first)) {
        if (opts_.list) {
            co_await list_share();
            co_return false;
        }
        auto offered = co_await ask_share();  // named (docs/architecture.md, GCC 12 and co_await)
        first = std::move(offered);
    } else if (opts_.list || !opts_.take.empty()) {
        const auto text = "this code is for a plain transfer, not a share";
        co_await refuse(msg::reason::unsupported, text);
        throw failure(exit_code::usage,
                      fmt::format("{}: --list and paths after the code work only with a code "
                                  "from `ferry share`",
                                  text));
    }
    auto* offered = std::get_if<msg::offer>(&first);
    if (offered == nullptr) throw wire_error("the sender did not start with an offer");
    offer_ = *offered;
    co_return true;
}

// WANT the paths asked for (none: everything); the share answers with their OFFER, or an ABORT
// naming a path it does not have.
awaitable<msg::message> receive_session::ask_share() {
    const msg::message want = msg::want{msg::want_mode::take, opts_.take};
    co_await send_message(channel_, want);
    auto answer = co_await receive_message(channel_);
    if (const auto* a = std::get_if<msg::abort>(&answer)) {
        if (a->why != msg::reason::not_shared) throw sender_stopped(*a);
        std::vector<std::string> list{"ferry", "receive"};
        if (!opts_.lan) list.insert(list.end(), {"--relay", opts_.relay.text()});
        list.insert(list.end(), {opts_.code, "--list"});
        throw failure(exit_code::usage,
                      fmt::format("the share cannot give that: {}; see `{}` for what it holds",
                                  printable(a->text), command_text(list)));
    }
    co_return answer;
}

// --list: the share's ENTRY records up to LISTED, each line printed as it comes; nothing is
// written. A listing cut short ends with the error after the lines that came.
awaitable<void> receive_session::list_share() {
    const msg::message want = msg::want{msg::want_mode::list, {}};
    co_await send_message(channel_, want);
    share_listing listing([](const std::string& line) { fmt::print("{}", line); });
    for (;;) {
        const auto m = co_await receive_message(channel_);
        if (const auto* e = std::get_if<msg::entry>(&m)) {
            listing.add(*e);
            continue;
        }
        if (const auto* a = std::get_if<msg::abort>(&m)) throw sender_stopped(*a);
        const auto* end = std::get_if<msg::listed>(&m);
        if (end == nullptr) throw wire_error("the share sent something unexpected in its listing");
        if (end->entries != listing.size()) {
            throw wire_error(fmt::format("the share listed {} entries and counted {}",
                                         listing.size(), end->entries));
        }
        break;
    }
    channel_.end_session();
    listing.finish();
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
    return opts_.to_stdout ? std::string("standard output") : printable_folder(opts_.output_dir);
}

awaitable<void> receive_session::check_offer() {
    if (is_text()) co_return;
    if (is_tree()) {
        co_await check_tree_offer();
        co_return;
    }  // no name, no file; its size is bounded by the codec
    const auto shown_name = printable(offer_.name);
    if (auto why = unsafe_item_name_reason(offer_.name)) {
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
    if (sender_resumes_) co_await open_partial();
    const auto space = free_space(opts_.output_dir);
    const auto needed = offer_.size - (partial_ ? partial_->kept() : 0);
    if (needed > space || space - needed < free_space_margin) {
        const auto text =
            fmt::format("{} free, {} needed", format_size(space), format_size(needed));
        co_await refuse(msg::reason::no_space, text);
        throw failure(exit_code::local_io,
                      fmt::format("not enough free space in {} for '{}': {} needed, {} free",
                                  printable_folder(opts_.output_dir), shown_name,
                                  format_size(needed), format_size(space)));
    }
}

awaitable<void> receive_session::decide() {
    if (opts_.yes) co_return;
    // A short text is shown as it comes (escaped for a terminal): nothing is written.
    if (is_text() && !opts_.ask && offer_.size <= short_text_bytes) co_return;
    // The watchdog waits longer than the question; KEEPALIVEs keep the pair going meanwhile.
    activity_.enter("waiting for your answer", opts_.prompt.answer_within + 1min);
    accept_prompt prompt(channel_, opts_.prompt);
    const auto kept = partial_ ? partial_->kept() : 0;
    const auto tree_kept = partial_tree_ ? partial_tree_->kept_bytes() : 0;
    const auto question = is_tree() ? tree_question(offer_, names_, where(), tree_kept)
                                    : question_for(offer_, name_, where(), kept);
    const auto said = co_await prompt.ask(question);
    activity_.enter(phases::data);
    if (said == answer::no_answer) {
        const auto waited = format_duration(opts_.prompt.answer_within);
        const auto text = fmt::format("no answer within {}", waited);
        co_await refuse(msg::reason::declined, text);
        throw failure(exit_code::peer,
                      fmt::format("no answer within {}: the transfer was refused", waited));
    }
    if (said == answer::no_input) {
        co_await refuse(msg::reason::not_interactive, "");
        throw failure(exit_code::peer,
                      fmt::format("refused {}: there is no terminal to ask on and standard input "
                                  "gave no answer; add --yes to accept without asking, or pipe "
                                  "the answer in (echo y | ferry receive ...)",
                                  describe_offer(offer_)));
    }
    if (said == answer::no) {
        co_await refuse(msg::reason::declined, "");
        throw failure(exit_code::peer, "you declined the transfer");
    }
}

awaitable<std::unique_ptr<sink>> receive_session::open_sink() {
    std::optional<failure> local;
    if (is_text()) co_return std::make_unique<text_sink>();
    if (opts_.to_stdout) {
        auto out = std::make_unique<stdout_sink>();
        stdout_ = out.get();
        co_return out;
    }
    try {
        co_return std::make_unique<safe_file>(opts_.output_dir);
    } catch (const failure& f) {
        local = f;
    }
    const auto text = for_the_sender(*local);
    co_await refuse(msg::reason::local_io, text);
    throw *local;
}

// Runs `open` (it makes a partial file, a partial tree or a staging folder); its failure is told
// to the sender (REFUSE, a local I/O error) and thrown.
awaitable<void> receive_session::open_or_refuse(const std::function<void()>& open) {
    std::optional<failure> local;
    try {
        open();
    } catch (const failure& f) {
        local = f;
    }
    if (!local) co_return;
    const auto text = for_the_sender(*local);
    co_await refuse(msg::reason::local_io, text);
    throw *local;
}

awaitable<void> receive_session::open_partial() {
    const std::function<void()> open = [this] {
        partial_ = std::make_unique<partial_file>(opts_.output_dir, offer_, !opts_.resume, kept_);
    };
    co_await open_or_refuse(open);  // named (docs/architecture.md, GCC 12 and co_await)
}

awaitable<void> receive_session::answer_file() {
    if (partial_ && partial_->kept() > 0) {
        co_await answer_resume();
        co_return;
    }
    if (partial_) partial_->start(0);
    const msg::message accept = msg::accept{};
    co_await send_message(channel_, accept);
}

// The sender's answer to a resume, past the KEEPALIVEs it sends while it hashes; its ABORT is
// thrown.
awaitable<msg::message> receive_session::sender_answer() {
    auto answer = co_await receive_message(channel_);
    while (std::holds_alternative<msg::keepalive>(answer)) {
        auto next = co_await receive_message(
            channel_);  // named (docs/architecture.md, GCC 12 and co_await)
        answer = std::move(next);
    }
    if (const auto* a = std::get_if<msg::abort>(&answer)) throw sender_stopped(*a);
    co_return answer;
}

// RESUME: the bytes kept here, hashed; the sender hashes its own and answers where its DATA
// starts: after them, or at 0 when they differ (its file changed since).
awaitable<void> receive_session::answer_resume() {
    const auto kept = partial_->kept();
    const std::function<bool()> step = [this] { return partial_->hash_kept_step(); };
    co_await in_steps(step);  // named (docs/architecture.md, GCC 12 and co_await)
    const msg::message ask = msg::resume{kept, partial_->kept_digest()};
    co_await send_message(channel_, ask);
    const auto answer = co_await sender_answer();
    const auto* from = std::get_if<msg::resume_from>(&answer);
    if (from == nullptr) throw wire_error("the sender answered RESUME with something unexpected");
    if (from->offset != 0 && from->offset != kept) {
        throw wire_error(
            fmt::format("the sender resumes at byte {}, not at {} or 0", from->offset, kept));
    }
    partial_->start(from->offset);
    received_ = from->offset;
    if (opts_.quiet) co_return;
    if (received_ > 0) {
        fmt::print(stderr, "Resuming '{}': {} were already here (checked by the sender)\n",
                   printable(name_), format_size(kept));
    } else {
        fmt::print(stderr,
                   "The sender's '{}' changed since the interrupted transfer: receiving it again "
                   "from the start\n",
                   printable(name_));
    }
}

// Reads back kept bytes on this thread, a few MiB a step: between steps the loop lets signals
// and the watchdog in, and tells the sender every 15 s that it is still here.
awaitable<void> receive_session::in_steps(const std::function<bool()>& step) {
    transfer::still_here alive(channel_, opts_.prompt.keepalive_every);
    while (!step()) {
        activity_.extend();
        co_await alive.tick_and_yield();
    }
}

awaitable<std::string> receive_session::receive_data(sink& out) {
    progress_bar bar(printable(name_), is_stream() ? unknown_total : offer_.size,
                     !opts_.quiet && !is_text() && isatty(STDERR_FILENO) != 0);
    bar.resume_at(received_);
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
            if (const auto* a = std::get_if<msg::abort>(&m)) throw sender_stopped(*a);
            const auto* d = std::get_if<msg::done>(&m);
            if (d == nullptr) throw wire_error("unexpected message during the transfer");
            bar.finish();
            if (unpack) unpack->finish();
            auto saved = co_await on_done(out, *d);
            co_return saved;
        }
    } catch (const connection_closed& e) {
        // Only the sender's authenticated DONE ends the stream, so nothing is saved (what came
        // is kept for a resume); whether the sender left or the relay was lost is worked out
        // by the caller.
        unpack.reset();
        partial_.reset();
        const auto of = is_stream() ? std::string("a stream") : format_size(offer_.size);
        const auto kept = keep_text();
        throw cut_off(e, fmt::format("after {} of {}{}{}", format_size(received_), of,
                                     kept.empty() ? "" : "; ", kept));
    } catch (const wire_error&) {
        if (partial_) partial_->discard();  // a sender that breaks the rules: keep nothing
        throw;
    } catch (const integrity_error&) {
        if (partial_) partial_->discard();  // a record tampered with on the way: likewise
        throw;
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
        if (partial_) partial_->discard();
        co_await send_message(channel_, verified);
        const auto* what = is_text()         ? "the text arrived damaged; it was not shown"
                           : opts_.to_stdout ? "what standard output got is damaged: discard it"
                                             : "the file arrived damaged; nothing was saved";
        throw failure(exit_code::integrity, fmt::format("{} (SHA-256 {} expected, {} received)",
                                                        what, to_hex(d.sha256), to_hex(mine)));
    }
    verified_ = mine;
    auto saved = out.commit(offer_.name);
    co_await send_message(channel_, verified);
    channel_.end_session();
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
        auto why = unsafe_item_name_reason(item.name);
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
    if (sender_resumes_trees_) co_await open_partial_tree();
    std::optional<failure> no_room;
    try {
        check_tree_space(opts_.output_dir, offer_, partial_tree_ ? partial_tree_->kept_bytes() : 0);
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

awaitable<void> receive_session::open_partial_tree() {
    const std::function<void()> open = [this] {
        partial_tree_ =
            std::make_unique<partial_tree>(opts_.output_dir, offer_, !opts_.resume, kept_);
    };
    co_await open_or_refuse(open);  // named (docs/architecture.md, GCC 12 and co_await)
}

awaitable<void> receive_session::open_staging() {
    if (partial_tree_) co_return;  // it stages the tree itself
    const std::function<void()> open = [this] {
        staging_ = std::make_unique<staging_tree>(opts_.output_dir);
    };
    co_await open_or_refuse(open);  // named (docs/architecture.md, GCC 12 and co_await)
}

awaitable<std::size_t> receive_session::answer_tree() {
    if (partial_tree_ && partial_tree_->kept() > 0) {
        const std::function<bool()> step = [this] { return partial_tree_->verify_step(); };
        co_await in_steps(step);  // named (docs/architecture.md, GCC 12 and co_await)
    }
    if (partial_tree_ && partial_tree_->kept() > 0) {
        const auto from = co_await resume_tree();
        co_return from;
    }
    if (partial_tree_) partial_tree_->start(0);
    const msg::message accept = msg::accept{};
    co_await send_message(channel_, accept);
    co_return 0;
}

// RESUME_TREE and a value for each kept entry; the sender checks them against its own files and
// answers where its records start: after them, or at the first that changed since.
awaitable<std::size_t> receive_session::resume_tree() {
    const auto kept = partial_tree_->kept();
    const msg::message ask = msg::resume_tree{static_cast<std::uint32_t>(kept)};
    co_await send_message(channel_, ask);
    for (std::size_t at = 0; at < kept;) {
        msg::tree_kept values;
        for (; at < kept && values.values.size() < msg::max_kept_per_record; ++at) {
            const auto& e = partial_tree_->kept_entry(at);
            values.values.push_back(transfer::kept_value(e.wire, e.sha256));
        }
        const msg::message m = std::move(values);
        co_await send_message(channel_, m);
    }
    const auto answer = co_await sender_answer();
    const auto* from = std::get_if<msg::tree_from>(&answer);
    if (from == nullptr) {
        throw wire_error("the sender answered RESUME_TREE with something unexpected");
    }
    if (from->entries > kept) {
        throw wire_error(
            fmt::format("the sender resumes at entry {}, past the {} kept", from->entries, kept));
    }
    partial_tree_->start(from->entries);
    if (!opts_.quiet) {
        const auto bytes = partial_tree_->kept_bytes(from->entries);
        if (from->entries == kept) {
            fmt::print(stderr, "Resuming: {} ({}) were already here (checked by the sender)\n",
                       plural(kept, "entry", "entries"), format_size(bytes));
        } else {
            fmt::print(stderr,
                       "Resuming: {} of the {} kept here match the sender's files ({}); the rest "
                       "changed since and comes again\n",
                       grouped(from->entries), plural(kept, "entry", "entries"),
                       format_size(bytes));
        }
    }
    co_return from->entries;
}

// Any failure of the receiver's own is told to the sender (an ABORT) before it ends the
// command. What was received goes with it, but a resumable tree keeps what it wrote whole when
// the cause is local (a full disk): the data is not wrong.
awaitable<void> receive_session::receive_tree() {
    std::optional<failure> stopped;
    try {
        const auto names = co_await run_tree();
        if (!opts_.quiet) print_saved(names);
        co_return;
    } catch (const cut_off& e) {
        partial_tree_.reset();  // keeps what came, and says so in kept_
        if (kept_.folder.empty()) throw cut_off(e, e.progress + "; nothing was saved");
        throw;
    } catch (const failure& f) {
        if (f.code() == exit_code::peer) throw;  // the sender stopped: nothing to tell it
        stopped = f;
    } catch (const wire_error& e) {  // a record the codec refuses
        stopped = failure(exit_code::network, fmt::format("protocol error: {}", e.what()));
    }
    if (partial_tree_ && stopped->code() != exit_code::local_io) partial_tree_->discard();
    staging_.reset();  // removes what was received before the sender hears of it
    partial_tree_.reset();
    const auto why =
        stopped->code() == exit_code::local_io ? msg::reason::local_io : msg::reason::protocol;
    const auto text =
        why == msg::reason::local_io ? for_the_sender(*stopped) : std::string(stopped->what());
    const msg::abort abort{why, text};
    co_await transfer::last_words(channel_, abort);
    throw *stopped;
}

awaitable<std::vector<std::string>> receive_session::run_tree() {
    const auto from = co_await answer_tree();
    if (!opts_.quiet) {
        fmt::print(stderr, "Receiving {}: {} into {}\n", transfer::items_label(offer_),
                   transfer::tree_totals(offer_), where());
    }
    auto& staging = partial_tree_ ? partial_tree_->staging() : *staging_;
    tree_transfer transfer(channel_, opts_, offer_, staging, partial_tree_.get());
    transfer.resume_after(from);
    auto names = co_await transfer.run();
    channel_.end_session();
    staging_.reset();
    co_return names;
}

// What the message says of the data once the connection is lost: kept for a resume (the
// receiver's last line says where), or nothing.
std::string receive_session::keep_text() const {
    if (!kept_.folder.empty()) return "";
    if (!opts_.to_stdout) return "nothing was saved";
    const auto written = stdout_ != nullptr ? stdout_->written() : 0;
    if (written == 0) return "nothing was written to standard output";
    return fmt::format("{} of it went to standard output: incomplete, and never checked as a whole",
                       format_size(written));
}

void receive_session::print_saved(const std::vector<std::string>& names) const {
    std::string shown;
    for (std::size_t i = 0; i < names.size() && i < 3; ++i) {
        const bool folder = offer_.items[i].type == msg::entry_type::folder;
        shown += fmt::format("{}{}{}", i == 0 ? "" : ", ", printable(names[i]), folder ? "/" : "");
    }
    if (names.size() > 3) shown += fmt::format(" and {} more", grouped(names.size() - 3));
    fmt::print("Saved {} into {} ({}: {}), every file SHA-256 verified.\n",
               plural(names.size(), "item"), printable_folder(opts_.output_dir), shown,
               transfer::tree_totals(offer_));
}

// Callers pass named values or literals only (docs/architecture.md, GCC 12 and co_await).
awaitable<void> receive_session::refuse(msg::reason why, std::string_view text) {
    const msg::message m = msg::refuse{why, std::string(text)};
    co_await send_message(channel_, m);
}

}  // namespace ferry::receiver
