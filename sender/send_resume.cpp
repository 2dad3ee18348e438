// send_session's resumes: RESUME for a file, RESUME_TREE for a tree, answered before the data
// from what this side finds of what the receiver kept.
#include "sender/send_session.hpp"

#include <fmt/format.h>

#include "common/transfer/last_words.hpp"
#include "common/transfer/message_channel.hpp"
#include "common/transfer/still_here.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/units.hpp"
#include "common/wire/record_format.hpp"
#include "common/wire/wire_error.hpp"
#include "sender/background_reader.hpp"
#include "sender/kept_check.hpp"

namespace ferry::sender {

namespace {

// While the sender hashes what a resuming receiver kept: a KEEPALIVE this often.
constexpr auto keepalive_every = std::chrono::seconds(15);

}  // namespace

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
    batch_.files_sent_before(check.file_digests().size());
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

}  // namespace ferry::sender
