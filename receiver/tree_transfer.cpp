#include "receiver/tree_transfer.hpp"
#include "receiver/off_thread.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>
#include <system_error>

#include <fmt/format.h>

#include "common/transfer/message_channel.hpp"
#include "common/transfer/tree_summary.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/progress.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "common/wire/wire_error.hpp"
#include "receiver/cut_off.hpp"
#include "receiver/sender_stopped.hpp"
#include "receiver/tree_checker.hpp"
#include "receiver/tree_writer.hpp"

namespace ferry::receiver {

namespace {

constexpr std::uint64_t max_notices = 20;  // then a count: a hostile tree could send a million
constexpr std::uint64_t block_per_entry = 4096;
constexpr std::uint64_t free_space_margin = 1024 * 1024;

void print_notice(const std::string& notice) {
    end_status_line();
    fmt::print(stderr, "ferry: {}\n", notice);
}

// Whether a stop keeps what was received (docs/protocol.md §4.2): the connection lost, either side
// stopping (an ABORT, Ctrl-C, which cancels), the watchdog. A protocol or integrity error keeps
// nothing, and a failure of the writer's own has stopped it already.
bool keeps_what_came(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const connection_closed&) {
        return true;
    } catch (const failure& f) {
        return f.code() == exit_code::peer || f.code() == exit_code::interrupted;
    } catch (const std::system_error&) {
        return true;
    } catch (...) {
        return false;
    }
}

// Everything posted, applied and journaled. A failure of the writer here (a full disk, a file
// that arrived damaged) is not why the transfer stopped: the caller reports its own cause, and
// the journal has what was written whole before it.
void apply_received(tree_writer& writer) noexcept {
    try {
        writer.finish();
    } catch (...) {  // NOLINT(bugprone-empty-catch): see above
    }
}

}  // namespace

void check_tree_space(const std::filesystem::path& dir, const msg::offer& offer,
                      std::uint64_t kept) {
    struct statvfs st {};
    const auto shown = printable(dir.string());
    if (::statvfs(dir.c_str(), &st) != 0) {
        throw failure(exit_code::local_io, fmt::format("cannot check the free space in {}: {}",
                                                       shown, std::strerror(errno)));
    }
    const std::uint64_t entries = std::uint64_t{offer.files} + offer.folders + offer.symlinks;
    const auto space = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
    // Saturating: an offered size near 2^64 must not wrap around to a small need.
    const auto overhead = entries * block_per_entry + free_space_margin;
    const auto coming = offer.size - std::min(kept, offer.size);
    const auto needed =
        coming > ~std::uint64_t{0} - overhead ? ~std::uint64_t{0} : coming + overhead;
    if (needed > space) {
        throw failure(exit_code::local_io,
                      fmt::format("not enough free space in {}: {} needed, {} free", shown,
                                  format_size(needed), format_size(space)));
    }
    if (st.f_files != 0 && entries > st.f_favail) {
        throw failure(exit_code::local_io,
                      fmt::format("not enough free inodes in {} for {}: {} free", shown,
                                  plural(entries, "entry", "entries"), grouped(st.f_favail)));
    }
}

tree_transfer::tree_transfer(record_channel& channel, const options& opts, const msg::offer& offer,
                             staging_tree& staging, partial_tree* partial)
    : channel_(channel),
      opts_(opts),
      offer_(offer),
      staging_(staging),
      partial_(partial),
      check_(offer) {}

void tree_transfer::resume_after(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        const auto& kept = partial_->kept_entry(i);
        if (check_.on_entry(kept.entry) == tree_checker::verdict::skip) continue;
        if (kept.entry.type != msg::entry_type::file) continue;
        if (kept.entry.size > 0) check_.on_data(kept.entry.size);
        check_.on_file_end();
        digests_.update(kept.sha256);
        received_ += kept.entry.size;
    }
}

awaitable<std::vector<std::string>> tree_transfer::run() {
    try {
        co_await receive_records();
    } catch (const connection_closed& e) {
        // Only the sender's authenticated DONE ends a tree; what was written whole may be kept
        // for a resume (the caller says so).
        throw cut_off(
            e, fmt::format("after {} of {}", format_size(received_), format_size(offer_.size)));
    }
    auto names = co_await on_done();
    co_return names;
}

awaitable<void> tree_transfer::receive_records() {
    tree_writer writer(staging_, partial_ != nullptr ? &partial_->journal() : nullptr);
    progress_bar bar(transfer::items_label(offer_), offer_.size,
                     !opts_.quiet && isatty(STDERR_FILENO) != 0);
    bar.resume_at(received_);
    try {
        co_await apply_records(writer, bar);
    } catch (...) {
        // Up to a block of records (4 MiB: thousands of small files) may not have been handed
        // to the writer yet; a stop that keeps what came applies and journals them first.
        if (keeps_what_came(std::current_exception())) apply_received(writer);
        throw;
    }
}

awaitable<void> tree_transfer::apply_records(tree_writer& writer, progress_bar& bar) {
    for (;;) {
        const auto payload = co_await channel_.receive();
        if (payload.empty()) throw wire_error("an empty record");
        const auto kind = static_cast<msg::type>(payload[0]);
        if (kind == msg::type::data) {  // the hot path: checked, copied, on to the writer
            take_data(writer, bar, payload, payload.size() - 1);
            continue;
        }
        const auto m = msg::decode(payload);
        if (const auto* z = std::get_if<msg::zdata>(&m)) {  // counted as what it holds
            take_data(writer, bar, payload, z->raw_size);
        } else if (const auto* e = std::get_if<msg::entry>(&m)) {
            if (check_.on_entry(*e) == tree_checker::verdict::skip) {
                if (!opts_.quiet && ++skipped_ <= max_notices) print_notice(check_.notice());
                writer.post_skipped(payload);
                continue;
            }
            writer.post(payload);
            shown_path_ = e->path;
        } else if (const auto* f = std::get_if<msg::file_end>(&m)) {
            check_.on_file_end();
            digests_.update(f->sha256);
            writer.post(payload);
            show_entry(bar, false);
            bar.update(received_);
        } else if (const auto* a = std::get_if<msg::abort>(&m)) {
            throw sender_stopped(*a);
        } else if (const auto* d = std::get_if<msg::done>(&m)) {
            end_records(writer, bar, *d);
            co_return;
        } else {
            throw wire_error("unexpected message during the transfer");
        }
    }
}

// A DATA or ZDATA record, `bytes` of file data once unpacked.
void tree_transfer::take_data(tree_writer& writer, progress_bar& bar, byte_span payload,
                              std::uint64_t bytes) {
    check_.on_data(bytes);
    writer.post(payload);
    received_ += bytes;
    show_entry(bar, false);
    bar.update(received_);
}

// DONE: everything applied, the progress line ended, then the notices held back till now.
void tree_transfer::end_records(tree_writer& writer, progress_bar& bar, const msg::done& d) {
    check_.on_done();
    writer.finish();
    show_entry(bar, true);
    bar.finish();
    if (!opts_.quiet && writer.links_left_out() > 0) {
        print_notice(fmt::format("{} not created: the filesystem of {} has no symlinks",
                                 plural(writer.links_left_out(), "symlink"),
                                 printable(opts_.output_dir.string())));
    }
    if (!opts_.quiet && skipped_ > max_notices) {
        print_notice(fmt::format("skipped {} more symlinks", grouped(skipped_ - max_notices)));
    }
    done_ = d;
}

void tree_transfer::show_entry(progress_bar& bar, bool now) {
    bar.count_files(check_.files_done(), offer_.files);
    if (!shown_path_ || !(now || bar.due())) return;
    bar.relabel(printable(*shown_path_));
    shown_path_.reset();
}

awaitable<std::vector<std::string>> tree_transfer::on_done() {
    const auto mine = digests_.finish();
    const msg::message verified = msg::verified{mine};
    if (mine != done_.sha256) {
        co_await send_message(channel_, verified);
        throw failure(exit_code::integrity,
                      fmt::format("the files' digests do not match the sender's (SHA-256 {} "
                                  "expected, {} received); nothing was saved",
                                  to_hex(done_.sha256), to_hex(mine)));
    }
    // The sync and the clean-up can take long on a big tree: off the io thread, so that the link
    // stays alive meanwhile (the sender takes a silent peer for a broken path).
    co_await off_thread([this] { staging_.sync(); });
    auto names = staging_.commit(offer_.items);
    if (partial_ != nullptr) {
        co_await off_thread([this] { partial_->committed(); });  // nothing is left to keep
    }
    try {
        co_await send_message(channel_, verified);
    } catch (const connection_closed&) {
        // Saved and verified here; only the sender does not know it.
        throw failure(exit_code::peer,
                      "every file was saved and verified, but the sender went away before it "
                      "could be told");
    }
    co_return names;
}

}  // namespace ferry::receiver
