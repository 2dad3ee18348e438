#include "receiver/file_receive.hpp"

#include <unistd.h>

#include <optional>

#include <fmt/format.h>

#include "common/transfer/last_words.hpp"
#include "common/transfer/message_channel.hpp"
#include "common/transfer/safe_name.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/progress.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "common/wire/wire_error.hpp"
#include "receiver/cut_off.hpp"
#include "receiver/offer_replies.hpp"
#include "receiver/offer_text.hpp"
#include "receiver/safe_file.hpp"
#include "receiver/sender_stopped.hpp"
#include "receiver/stdout_sink.hpp"
#include "receiver/text_sink.hpp"

namespace ferry::receiver {

namespace {

// Room left beside the file so that a full disk is caught before accepting, not half way.
constexpr std::uint64_t free_space_margin = 1024 * 1024;

}  // namespace

file_receive::file_receive(record_channel& channel, const options& opts, deadline& activity,
                           const msg::offer& offer, kept_partial& kept)
    : channel_(channel), opts_(opts), activity_(activity), offer_(offer), kept_(kept) {}

bool file_receive::is_text() const {
    return offer_.kind == static_cast<std::uint8_t>(msg::offer_kind::text);
}

bool file_receive::is_stream() const {
    return offer_.kind == static_cast<std::uint8_t>(msg::offer_kind::stream);
}

awaitable<void> file_receive::check(bool sender_resumes) {
    if (is_text()) co_return;  // no name, no file; its size is bounded by the codec
    const auto shown_name = printable(offer_.name);
    if (auto why = unsafe_item_name_reason(offer_.name)) {
        co_await refuse(channel_, msg::reason::bad_name, *why);
        throw failure(exit_code::network,
                      fmt::format("refused the file '{}': {}", shown_name, *why));
    }
    if (opts_.to_stdout) {
        name_ = offer_.name;  // only shown: nothing is named
        co_return;
    }
    name_ = first_free_name(opts_.output_dir, offer_.name);
    if (is_stream()) co_return;  // its size is not known: a full disk stops it cleanly (exit 7)
    if (sender_resumes) co_await open_partial();
    const auto space = free_space(opts_.output_dir);
    const auto needed = offer_.size - (partial_ ? partial_->kept() : 0);
    if (needed > space || space - needed < free_space_margin) {
        const auto text =
            fmt::format("{} free, {} needed", format_size(space), format_size(needed));
        co_await refuse(channel_, msg::reason::no_space, text);
        throw failure(exit_code::local_io,
                      fmt::format("not enough free space in {} for '{}': {} needed, {} free",
                                  printable_folder(opts_.output_dir), shown_name,
                                  format_size(needed), format_size(space)));
    }
}

std::string file_receive::question() const {
    return file_question(offer_, name_, where_to(opts_), partial_ ? partial_->kept() : 0);
}

awaitable<void> file_receive::run() {
    std::unique_ptr<sink> owned;
    if (!partial_) owned = co_await open_sink();
    sink& out = partial_ ? static_cast<sink&>(*partial_) : *owned;
    std::optional<failure> local;
    try {
        co_await answer();
        if (!opts_.quiet && !is_text()) {
            fmt::print(stderr, "Receiving '{}' ({}) into {}\n", printable(name_),
                       is_stream() ? std::string("size unknown") : format_size(offer_.size),
                       where_to(opts_));
        }
        const auto saved = co_await receive_data(out);
        if (!opts_.quiet) print_received(opts_, offer_, saved, received_, verified_);
        co_return;
    } catch (const failure& f) {
        if (f.code() != exit_code::local_io) throw;
        local = f;  // the disk filled up, or similar: tell the sender before leaving
    }
    const msg::abort abort{msg::reason::local_io, for_the_sender(*local)};
    co_await transfer::last_words(channel_, abort);
    throw *local;
}

awaitable<std::unique_ptr<sink>> file_receive::open_sink() {
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
    co_await refuse(channel_, msg::reason::local_io, text);
    throw *local;
}

awaitable<void> file_receive::open_partial() {
    const std::function<void()> open = [this] {
        partial_ = std::make_unique<partial_file>(opts_.output_dir, offer_, !opts_.resume, kept_);
    };
    // Named (docs/architecture.md, GCC 12 and co_await).
    co_await open_or_refuse(channel_, open);
}

awaitable<void> file_receive::answer() {
    if (partial_ && partial_->kept() > 0) {
        co_await answer_resume();
        co_return;
    }
    if (partial_) partial_->start(0);
    const msg::message accept = msg::accept{};
    co_await send_message(channel_, accept);
}

// RESUME: the bytes kept here, hashed; the sender hashes its own and answers where its DATA
// starts: after them, or at 0 when they differ (its file changed since).
awaitable<void> file_receive::answer_resume() {
    const auto kept = partial_->kept();
    const std::function<bool()> step = [this] { return partial_->hash_kept_step(); };
    // Named (docs/architecture.md, GCC 12 and co_await).
    co_await in_steps(channel_, activity_, opts_.prompt.keepalive_every, step);
    const msg::message ask = msg::resume{kept, partial_->kept_digest()};
    co_await send_message(channel_, ask);
    const auto answer = co_await sender_answer(channel_);
    const auto* from = std::get_if<msg::resume_from>(&answer);
    if (from == nullptr) throw wire_error("the sender answered RESUME with something unexpected");
    if (from->offset != 0 && from->offset != kept) {
        throw wire_error(
            fmt::format("the sender resumes at byte {}, not at {} or 0", from->offset, kept));
    }
    partial_->start(from->offset);
    received_ = from->offset;
    if (!opts_.quiet) print_resumed(kept);
}

void file_receive::print_resumed(std::uint64_t kept) const {
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

awaitable<std::string> file_receive::receive_data(sink& out) {
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
bool file_receive::take_data(sink& out, std::unique_ptr<inflater>& unpack, byte_span payload) {
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

awaitable<std::string> file_receive::on_done(sink& out, const msg::done& d) {
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

// What the message says of the data once the connection is lost: kept for a resume (the
// receiver's last line says where), or nothing.
std::string file_receive::keep_text() const {
    if (!kept_.folder.empty()) return "";
    if (!opts_.to_stdout) return "nothing was saved";
    const auto written = stdout_ != nullptr ? stdout_->stop_and_count() : 0;
    if (written == 0) return "nothing was written to standard output";
    return fmt::format("{} of it went to standard output: incomplete, and never checked as a whole",
                       format_size(written));
}

}  // namespace ferry::receiver
