#include "sender/send_session.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "common/net/phases.hpp"
#include "common/net/race.hpp"
#include "common/transfer/last_words.hpp"
#include "common/transfer/message_channel.hpp"
#include "common/transfer/still_here.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/progress.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "common/wire/record_format.hpp"
#include "common/wire/wire_error.hpp"
#include "sender/background_reader.hpp"
#include "sender/kept_check.hpp"

namespace ferry::sender {

namespace {

using namespace std::chrono_literals;

// While the sender hashes what a resuming receiver kept: a KEEPALIVE this often.
constexpr auto keepalive_every = std::chrono::seconds(15);

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
      peer_left_(peer_left) {}

awaitable<void> send_session::run() {
    co_await offer();
    co_await expect_accept();
    co_await exchange_data();
    channel_.end_session();
    check_verified();
    if (opts_.quiet) co_return;
    if (source_.as_tree() != nullptr) {
        fmt::print("Sent {}{}; every file SHA-256 verified by the receiver.\n", source_.describe(),
                   wire_text());
    } else {
        fmt::print("Sent {}{}; verified by the receiver (SHA-256 {}).\n", source_.describe(),
                   wire_text(), shown_digest(digest_, opts_.verbose));
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
        auto next = co_await receive_message(
            channel_);  // named (docs/architecture.md, GCC 12 and co_await)
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

// The receiver's bytes are used only if ours hash the same: a file that changed since (or
// another file of the same name and size) goes again from its start. Either way the receiver
// checks the whole file's SHA-256 at the end, ours, hashed here from the first byte.
awaitable<void> send_session::resume_at(const msg::resume& r) {
    if (!source_.resumable() || r.offset > source_.size()) {
        throw wire_error("the receiver asked to resume what cannot be resumed");
    }
    std::optional<failure> local;
    try {
        co_await hash_prefix(r.offset);
    } catch (const failure& f) {
        if (f.code() != exit_code::local_io) throw;
        local = f;  // the file could not be read: say so before leaving
    }
    if (local) {
        const msg::abort abort{msg::reason::local_io, local->what()};
        co_await transfer::last_words(channel_, abort);
        throw *local;
    }
    const bool same = hash_.peek() == r.prefix;
    if (!same) {
        if (!source_.rewind()) throw failure(exit_code::local_io, "cannot read the file again");
        hash_.reset();
    }
    start_ = same ? r.offset : 0;
    sent_ = start_;
    const msg::message answer = msg::resume_from{start_};
    co_await send_message(channel_, answer);
    if (opts_.quiet) co_return;
    if (same) {
        fmt::print(stderr, "Resuming: the receiver has the first {} already; sending the rest\n",
                   format_size(start_));
    } else {
        fmt::print(stderr,
                   "The receiver's {} from an interrupted transfer differ from this file: sending "
                   "all of it\n",
                   format_size(r.offset));
    }
}

// Reads and hashes the first `length` bytes without sending them; a KEEPALIVE every 15 s keeps
// the relay's idle limit and the receiver's watchdog away meanwhile. Each chunk lets the loop in
// (a signal, the watchdog), also when the bytes come from the page cache at once.
awaitable<void> send_session::hash_prefix(std::uint64_t length) {
    std::vector<std::uint8_t> buffer(data_chunk_size);
    transfer::still_here alive(channel_, keepalive_every);
    for (std::uint64_t done = 0; done < length;) {
        const auto want = std::min<std::uint64_t>(buffer.size(), length - done);
        const auto into = mutable_byte_span(buffer).first(want);
        const auto n = co_await source_.read_async(into);
        if (n == 0) throw failure(exit_code::local_io, "the file ended early");
        hash_.update(byte_span(buffer).first(n));
        done += n;
        co_await alive.tick_and_yield();
    }
}

awaitable<std::vector<msg::digest>> send_session::read_kept(std::uint32_t entries) {
    std::vector<msg::digest> values;
    values.reserve(entries);
    while (values.size() < entries) {
        const auto m = co_await receive_message(channel_);
        const auto* k = std::get_if<msg::tree_kept>(&m);
        if (k == nullptr || k->values.size() > entries - values.size()) {
            throw wire_error("the receiver's kept entries do not add up to its count");
        }
        values.insert(values.end(), k->values.begin(), k->values.end());
    }
    co_return values;
}

// Each kept entry is checked against this side's, file bytes included, on a thread of its own
// (a KEEPALIVE every 15 s meanwhile); the records start at the first that differs. The digests
// of the kept files go into DONE's hash as if their FILE_ENDs had been sent.
awaitable<void> send_session::resume_tree_at(const msg::resume_tree& r) {
    auto* tree = source_.as_tree();
    if (tree == nullptr || r.entries > tree->plan().entries.size()) {
        throw wire_error("the receiver asked to resume what cannot be resumed");
    }
    auto values = co_await read_kept(r.entries);
    kept_check check(tree->plan(), std::move(values));
    background_reader checker([&check](mutable_byte_span) { return check.step() ? 1 : 0; });
    std::array<std::uint8_t, 1> unused{};
    transfer::still_here alive(channel_, keepalive_every);
    for (;;) {
        const auto done = co_await checker.read(unused);
        if (done != 0) break;
        co_await alive.tick();
    }
    const auto from = check.matched();
    tree->start_at(from);
    for (const auto& d : check.file_digests())
        hash_.update(d);
    files_sent_ = check.file_digests().size();
    sent_ = check.matched_bytes();
    start_ = sent_;
    const msg::message answer = msg::tree_from{static_cast<std::uint32_t>(from)};
    co_await send_message(channel_, answer);
    if (opts_.quiet) co_return;
    if (from == r.entries) {
        fmt::print(stderr,
                   "Resuming: the receiver has {} of {} entries already ({}); sending the rest\n",
                   grouped(from), grouped(tree->plan().entries.size()), format_size(sent_));
    } else {
        fmt::print(stderr,
                   "The receiver kept {} from an interrupted transfer; {} of them match these "
                   "files (the rest changed since): sending from there\n",
                   plural(r.entries, "entry", "entries"), grouped(from));
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
    tree_ = &tree;
    files_total_ = tree.plan().offer.files;
    if (compress_ != compress_off) tree.compress_with(compress_);
    for (auto& b : batches_)
        b.resize(batch_size_);  // records read ahead, twice, whatever the number of files
    co_await stream_batches(bar);
    show_entry(bar, true);
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
    packer_ = std::make_unique<stream_packer>(compress_);
    packer_->continue_hash(hash_);
    for (auto& b : batches_)
        b.resize(stream_packer::batch_size);
    co_await stream_batches(bar);
    bar.finish();
    digest_ = packer_->finish();
}

// Each batch is sent while the next is made. A batch that cannot be made (a file that cannot be
// read) fails the batch after the one being sent: that one goes out whole (a write cancelled
// half-way would leave a torn record before the ABORT), then this throws.
awaitable<void> send_session::stream_batches(progress_bar& bar) {
    rate_limiter limiter(opts_.limit_rate);
    std::size_t current = 0;
    co_await fill_batch(current);
    while (filled_[current] > 0) {
        co_await both(send_batch(current, bar, limiter), fill_batch(1 - current));
        current = 1 - current;
    }
    co_await channel_.flush();
    if (read_failure_) std::rethrow_exception(read_failure_);
}

awaitable<void> send_session::fill_batch(std::size_t which) {
    try {
        filled_[which] = co_await make_batch(which);
    } catch (const failure&) {
        filled_[which] = 0;
        read_failure_ = std::current_exception();
    }
}

// A tree's records come whole from its reader. Bytes come from one read: a file fills the raw
// batch, a pipe gives what it has, so that a slow producer's bytes are not held back.
awaitable<std::size_t> send_session::make_batch(std::size_t which) {
    if (tree_ != nullptr) co_return co_await tree_->read_records(batches_[which]);
    const auto n = co_await source_.read_async(packer_->raw());
    if (n == 0) co_return 0;
    co_return co_await packer_->pack(n, batches_[which]);
}

// Each record of the batch into the channel, sealed from where it is; small ones leave in one
// write together.
awaitable<void> send_session::send_batch(std::size_t which, progress_bar& bar,
                                         rate_limiter& limiter) {
    const auto batch = byte_span(batches_[which]).first(filled_[which]);
    for (std::size_t at = 0; at < batch.size();) {
        const auto length = get_u32(batch.data() + at);
        const auto payload = batch.subspan(at + 4, length);
        at += 4 + length;
        const auto kind = static_cast<msg::type>(payload[0]);
        const bool is_data = kind == msg::type::data || kind == msg::type::zdata;
        if (kind == msg::type::data) {
            sent_ += length - 1;
        } else if (kind == msg::type::zdata) {
            sent_ += get_u32(payload.data() + 1);
            ++compressed_records_;
        } else if (kind == msg::type::file_end) {
            hash_.update(payload.subspan(1));
            ++files_sent_;
        } else if (kind == msg::type::entry) {
            shown_entry_.assign(payload.begin(), payload.end());
        }
        if (is_data) wire_sent_ += length;
        // A share that ends stops here, between records, so that its ABORT is read whole.
        if (stop_ != nullptr && *stop_) throw failure(exit_code::interrupted, stop_why_);
        co_await channel_.send_from(payload, true);
        if (tree_ != nullptr) show_entry(bar, false);
        bar.update(sent_);
        if (is_data) co_await limiter.pace(length);
    }
    // Nothing held back while the next batch is made: a pipe's producer may pause for long.
    co_await channel_.flush();
}

void send_session::show_entry(progress_bar& bar, bool now) {
    bar.count_files(files_sent_, files_total_);
    if (shown_entry_.empty() || !(now || bar.due())) return;
    const auto m = msg::decode(shown_entry_);
    if (const auto* e = std::get_if<msg::entry>(&m)) bar.relabel(printable(e->path));
    shown_entry_.clear();
}

// ", 41.2 MiB on the wire with zstd" once anything went compressed; "" otherwise.
std::string send_session::wire_text() const {
    if (compressed_records_ == 0) return "";
    return fmt::format(", {} on the wire with zstd", format_size(wire_sent_));
}

// The receiver says nothing while the data flows unless it has to stop (disk full, ...), then
// answers DONE with VERIFIED. One reader for both, never cancelled half-way through a record,
// so an ABORT is read whenever it comes.
awaitable<void> send_session::listen() {
    msg::message answer;
    try {
        auto m = co_await receive_message(
            channel_);  // named (docs/architecture.md, GCC 12 and co_await)
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
