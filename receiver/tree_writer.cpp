#include "receiver/tree_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "common/wire/record_format.hpp"

namespace ferry::receiver {

namespace {

constexpr std::uint64_t early_writeback = std::uint64_t{1} << 20U;
constexpr std::uint64_t writeback_step = std::uint64_t{8} << 20U;
// In the worker's queue only, never on the wire: an ENTRY to journal without creating it.
constexpr std::uint8_t skipped_marker = 0xff;
constexpr msg::digest no_digest{};

}  // namespace

tree_writer::tree_writer(staging_tree& tree, tree_journal* journal)
    : tree_(tree),
      journal_(journal),
      unpacked_(data_chunk_size),
      worker_(block_size, [this](byte_span payload) { apply_record(payload); }) {}

tree_writer::~tree_writer() {
    worker_.stop();  // before the file it may be writing is closed
    if (fd_ >= 0) ::close(fd_);
}

void tree_writer::post_skipped(byte_span entry_payload) {
    if (journal_ == nullptr) return;
    std::array<std::uint8_t, 1> marker{skipped_marker};
    worker_.post(marker);
    worker_.post(entry_payload);
}

void tree_writer::journal(byte_span entry_wire, const msg::digest& file_digest,
                          std::uint64_t size) {
    if (journal_ != nullptr) journal_->entry_done(entry_wire, file_digest, size);
}

void tree_writer::apply_record(byte_span payload) {
    if (payload.size() == 1 && payload[0] == skipped_marker) {
        skip_next_ = true;
        return;
    }
    if (skip_next_) {
        skip_next_ = false;
        journal(payload, no_digest, 0);
        return;
    }
    const auto kind = static_cast<msg::type>(payload[0]);
    if (kind == msg::type::data) {
        write_data(payload.subspan(1));
        return;
    }
    const auto m = msg::decode(payload);
    if (const auto* z = std::get_if<msg::zdata>(&m)) {
        const auto into = mutable_byte_span(unpacked_).first(z->raw_size);
        unzstd_.decompress(z->frame, into);
        write_data(into);
    } else if (const auto* e = std::get_if<msg::entry>(&m)) {
        start_entry(*e);
        if (e->type != msg::entry_type::file) journal(payload, no_digest, 0);
        if (e->type == msg::entry_type::file && journal_ != nullptr) {
            file_wire_.assign(payload.begin(), payload.end());
        }
    } else if (const auto* f = std::get_if<msg::file_end>(&m)) {
        end_file(*f);
    }
}

void tree_writer::write_data(byte_span data) {
    hash_.update(data);
    for (std::size_t done = 0; done < data.size();) {
        const auto n = ::write(fd_, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw failure(
                exit_code::local_io,
                fmt::format("cannot write {}: {}", printable(file_.path), std::strerror(errno)));
        }
        done += static_cast<std::size_t>(n);
    }
    written_ += data.size();
    if (written_ - flushed_ >= writeback_step) write_back();
    if (journal_ != nullptr) journal_->wrote(data.size());
}

void tree_writer::start_entry(const msg::entry& e) {
    switch (e.type) {
        case msg::entry_type::folder:
            tree_.make_folder(e.path);
            return;
        case msg::entry_type::symlink:
            if (!tree_.make_symlink(e.path, e.target)) ++links_left_out_;
            return;
        case msg::entry_type::file:
            fd_ = tree_.create_file(e.path);
            file_ = e;
            written_ = 0;
            flushed_ = 0;
            hash_.reset();
            return;
    }
}

// A large file goes to the disk as it comes, like a single file (disk_writer): this step's
// writeback starts now, and the step before must be on disk first, so dirty pages stay bounded
// and the final syncfs() has little left.
void tree_writer::write_back() {
    if (flushed_ >= writeback_step) {
        ::sync_file_range(
            fd_, static_cast<off_t>(flushed_ - writeback_step), writeback_step,
            SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
    }
    ::sync_file_range(fd_, static_cast<off_t>(flushed_), static_cast<off_t>(written_ - flushed_),
                      SYNC_FILE_RANGE_WRITE);
    flushed_ = written_;
}

void tree_writer::end_file(const msg::file_end& f) {
    const auto mine = hash_.finish();
    if (mine != f.sha256) {
        throw failure(exit_code::integrity,
                      fmt::format("'{}' arrived damaged (SHA-256 {} expected, {} received); "
                                  "nothing was saved",
                                  printable(file_.path), to_hex(f.sha256), to_hex(mine)));
    }
    const int fd = fd_;
    fd_ = -1;
    // A large file's writeback starts now (without waiting for it), so that the one syncfs()
    // at the end does not find gigabytes to write; small ones are left to it, which writes
    // them together.
    if (file_.size >= early_writeback) ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    tree_.close_file(fd, file_.path, file_.mode, file_.mtime_ns);
    journal(file_wire_, mine, file_.size);
}

}  // namespace ferry::receiver
