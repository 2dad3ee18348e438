#include "receiver/tree_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"

namespace ferry::receiver {

namespace {

constexpr std::size_t length_size = 4;
constexpr std::uint64_t early_writeback = std::uint64_t{1} << 20U;
constexpr std::uint64_t writeback_step = std::uint64_t{8} << 20U;

}  // namespace

tree_writer::tree_writer(staging_tree& tree) : tree_(tree) {
    for (auto& b : blocks_)
        b.bytes.resize(block_size);
    thread_ = std::thread([this] { run(); });
}

tree_writer::~tree_writer() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
    if (fd_ >= 0) ::close(fd_);
}

void tree_writer::post(byte_span payload) {
    if (blocks_[current_].used + length_size + payload.size() > block_size) hand_over();
    auto& b = blocks_[current_];
    put_u32(b.bytes.data() + b.used, static_cast<std::uint32_t>(payload.size()));
    std::memcpy(b.bytes.data() + b.used + length_size, payload.data(), payload.size());
    b.used += length_size + payload.size();
}

void tree_writer::hand_over() {
    std::unique_lock lock(mutex_);
    wait_idle(lock);  // the thread is done with the other block: it may be refilled
    job_ = current_;
    busy_ = true;
    lock.unlock();
    changed_.notify_all();
    current_ ^= 1U;
    blocks_[current_].used = 0;
}

void tree_writer::finish() {
    if (blocks_[current_].used > 0) hand_over();
    std::unique_lock lock(mutex_);
    wait_idle(lock);
}

void tree_writer::wait_idle(std::unique_lock<std::mutex>& lock) {
    changed_.wait(lock, [this] { return !busy_; });
    if (failure_) std::rethrow_exception(failure_);
}

void tree_writer::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        changed_.wait(lock, [this] { return busy_ || stop_; });
        if (stop_) return;
        const auto& b = blocks_[job_];
        lock.unlock();
        std::exception_ptr error;
        try {
            apply(b);
        } catch (...) {
            error = std::current_exception();
        }
        lock.lock();
        if (error && !failure_) failure_ = error;
        busy_ = false;
        changed_.notify_all();
        if (failure_) {
            // Nothing more is applied: the caller throws at its next call.
            changed_.wait(lock, [this] { return stop_; });
            return;
        }
    }
}

void tree_writer::apply(const block& b) {
    const auto bytes = byte_span(b.bytes).first(b.used);
    for (std::size_t at = 0; at < bytes.size();) {
        const auto length = get_u32(bytes.data() + at);
        apply_record(bytes.subspan(at + length_size, length));
        at += length_size + length;
    }
}

void tree_writer::apply_record(byte_span payload) {
    if (payload[0] == static_cast<std::uint8_t>(msg::type::data)) {
        const auto data = payload.subspan(1);
        hash_.update(data);
        for (std::size_t done = 0; done < data.size();) {
            const auto n = ::write(fd_, data.data() + done, data.size() - done);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw failure(exit_code::local_io,
                              fmt::format("cannot write {}: {}", printable(file_.path),
                                          std::strerror(errno)));
            }
            done += static_cast<std::size_t>(n);
        }
        written_ += data.size();
        if (written_ - flushed_ >= writeback_step) write_back();
        return;
    }
    const auto m = msg::decode(payload);
    if (const auto* e = std::get_if<msg::entry>(&m)) {
        start_entry(*e);
    } else if (const auto* f = std::get_if<msg::file_end>(&m)) {
        end_file(*f);
    }
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
}

}  // namespace ferry::receiver
