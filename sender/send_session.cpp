#include "sender/send_session.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "common/net/phases.hpp"
#include "common/net/race.hpp"
#include "common/transfer/last_words.hpp"
#include "common/transfer/message_channel.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/progress.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "common/wire/record_format.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry::sender {

namespace {

failure receiver_stopped(const msg::abort& a) {
    return transfer::peer_stopped("the receiver stopped", a);
}

// "the receiver declined", "the receiver declined (no answer within 30 min)"; the other
// reasons as msg::describe() names them.
receiver_declined receiver_declined_offer(const msg::refuse& r) {
    const auto text = r.text.empty() ? std::string() : " (" + printable(r.text) + ")";
    return receiver_declined(exit_code::peer, fmt::format("{}{}", msg::describe(r.why), text));
}

failure receiver_refused(const msg::refuse& r, std::string_view what) {
    return failure(exit_code::peer, fmt::format("the receiver refused {}: {}{}{}", what,
                                                msg::describe(r.why), r.text.empty() ? "" : " (",
                                                r.text.empty() ? "" : printable(r.text) + ")"));
}

// "the file", "the text", "the folder", "the files".
const char* what_is_offered(const msg::offer& o) {
    switch (static_cast<msg::offer_kind>(o.kind)) {
        case msg::offer_kind::text:
            return "the text";
        case msg::offer_kind::tree:
            return o.items.size() == 1 && o.items[0].type == msg::entry_type::folder ? "the folder"
                                                                                     : "the files";
        default:
            return "the file";
    }
}

}  // namespace

send_session::send_session(record_channel& channel, source& what, const options& opts, int compress,
                           deadline& activity, std::string& peer_left)
    : channel_(channel),
      source_(what),
      opts_(opts),
      compress_(compress),
      activity_(activity),
      peer_left_(peer_left),
      batch_(channel, sent_, hash_, opts.limit_rate) {}

awaitable<void> send_session::run() {
    co_await offer();
    co_await expect_accept();
    co_await exchange_data();
    channel_.end_session();
    check_verified();
    if (opts_.quiet) co_return;
    if (source_.as_tree() != nullptr) {
        fmt::print("Sent {}{}; every file SHA-256 verified by the receiver.\n", source_.describe(),
                   batch_.wire_text());
    } else {
        fmt::print("Sent {}{}; verified by the receiver (SHA-256 {}).\n", source_.describe(),
                   batch_.wire_text(), shown_digest(digest_, opts_.verbose));
    }
}

awaitable<void> send_session::offer() {
    peer_left_ = "the receiver went away before the transfer finished";
    const msg::message offer = source_.offer();
    co_await send_message(channel_, offer);
    if (!opts_.quiet) fmt::print(stderr, "Waiting for the receiver to accept...\n");
}

// A receiver whose person is still deciding says so with KEEPALIVE every few seconds.
awaitable<void> send_session::expect_accept() {
    activity_.enter(phases::waiting_for_accept);
    auto answer = co_await receive_message(channel_);
    while (std::holds_alternative<msg::keepalive>(answer)) {
        // Named (docs/architecture.md, GCC 12 and co_await).
        auto next = co_await receive_message(channel_);
        answer = std::move(next);
    }
    if (const auto* r = std::get_if<msg::refuse>(&answer)) {
        if (r->why == msg::reason::declined || r->why == msg::reason::not_interactive ||
            r->why == msg::reason::unsupported) {
            throw receiver_declined_offer(*r);
        }
        throw receiver_refused(*r, what_is_offered(source_.offer()));
    }
    if (const auto* a = std::get_if<msg::abort>(&answer)) throw receiver_stopped(*a);
    activity_.enter(phases::data);
    if (const auto* r = std::get_if<msg::resume>(&answer)) {
        co_await resume_at(*r);
        co_return;
    }
    if (const auto* r = std::get_if<msg::resume_tree>(&answer)) {
        co_await resume_tree_at(*r);
        co_return;
    }
    if (!std::holds_alternative<msg::accept>(answer)) {
        throw wire_error("the receiver answered the offer with something unexpected");
    }
}

awaitable<void> send_session::exchange_data() {
    std::optional<failure> local;
    try {
        co_await both(stream(), listen());
    } catch (const failure& f) {
        if (f.code() != exit_code::local_io && f.code() != exit_code::interrupted) throw;
        local = f;  // the source could not be read to the end, or a share ended: say so
    }
    if (local) {
        const auto why = local->code() == exit_code::interrupted ? msg::reason::cancelled
                                                                 : msg::reason::local_io;
        const msg::abort abort{why, local->what()};
        co_await transfer::last_words(channel_, abort);
        throw *local;
    }
    if (write_failed_) {
        throw failure(exit_code::peer, "the receiver went away before the transfer finished");
    }
}

awaitable<void> send_session::stream() {
    try {
        if (auto* tree = source_.as_tree()) {
            co_await stream_tree(*tree);
        } else if (compress_ != compress_off) {
            co_await stream_packed();
        } else {
            co_await stream_bytes();
        }
        const msg::message done = msg::done{digest_};
        co_await send_message(channel_, done);
        done_sent_ = true;
    } catch (const connection_closed&) {
        // The receiver's last words (an ABORT) may be waiting to be read: listen() reads them,
        // or the end of the connection, which comes promptly after a failed write.
        write_failed_ = true;
    }
}

awaitable<void> send_session::stream_bytes() {
    // Both start with the data: the rate and the pace count from the first byte.
    progress_bar bar(
        printable(source_.name()), source_.known_size() ? source_.size() : unknown_total,
        !opts_.quiet && source_.needs() != transfer::feature::text && isatty(STDERR_FILENO) != 0);
    bar.resume_at(start_);
    rate_limiter limiter(opts_.limit_rate);
    for (;;) {
        // Read straight into the record buffer, hash, send: no copy, no allocation. The
        // buffer moves on with each record when the channel keeps them for a reconnect.
        const auto buffer = channel_.prepare();
        const auto chunk = buffer.subspan(1, data_chunk_size);
        buffer[0] = static_cast<std::uint8_t>(msg::type::data);
        const auto n = co_await source_.read_async(chunk);
        if (n == 0) break;  // the end (a file checks at its last byte that it is whole)
        hash_.update(chunk.first(n));
        co_await channel_.send(1 + n);
        sent_ += n;
        bar.update(sent_);
        co_await limiter.pace(n);
    }
    bar.finish();
    digest_ = hash_.finish();
}

// The files are read, hashed and compressed (where it pays) on the source's thread, batch after
// batch; DONE carries the SHA-256 of the files' digests in order.
awaitable<void> send_session::stream_tree(tree_source& tree) {
    progress_bar bar(source_.name(), source_.size(), !opts_.quiet && isatty(STDERR_FILENO) != 0);
    bar.resume_at(start_);
    if (compress_ != compress_off) tree.compress_with(compress_);
    co_await batch_.send_tree(tree, bar);
    bar.finish();
    digest_ = hash_.finish();
}

// A file or a stream with compression on: read on the io thread as stream_bytes() does, hashed
// and packed into records on the packer's thread.
awaitable<void> send_session::stream_packed() {
    progress_bar bar(printable(source_.name()),
                     source_.known_size() ? source_.size() : unknown_total,
                     !opts_.quiet && isatty(STDERR_FILENO) != 0);
    bar.resume_at(start_);
    const auto digest = co_await batch_.send_packed(source_, compress_, bar);
    digest_ = digest;
    bar.finish();
}

// The receiver says nothing while the data flows unless it has to stop (disk full, ...), then
// answers DONE with VERIFIED. One reader for both, never cancelled half-way through a record,
// so an ABORT is read whenever it comes.
awaitable<void> send_session::listen() {
    msg::message answer;
    try {
        // Named (docs/architecture.md, GCC 12 and co_await).
        auto m = co_await receive_message(channel_);
        answer = std::move(m);
    } catch (const connection_closed&) {
        if (done_sent_) peer_left_ = "the receiver went away before confirming the file";
        throw;
    }
    if (const auto* a = std::get_if<msg::abort>(&answer)) throw receiver_stopped(*a);
    const auto* v = std::get_if<msg::verified>(&answer);
    if (v == nullptr)
        throw wire_error("the receiver sent something unexpected during the transfer");
    verified_ = *v;
}

void send_session::check_verified() const {
    if (!verified_ || verified_->sha256 != digest_) {
        throw failure(exit_code::integrity,
                      fmt::format("the receiver got different bytes: SHA-256 {} sent, {} received",
                                  to_hex(digest_), verified_ ? to_hex(verified_->sha256) : "none"));
    }
}

}  // namespace ferry::sender
