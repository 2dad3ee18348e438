#include "receiver/disk_writer.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"

namespace ferry::receiver {

namespace {

// What O_DIRECT asks of memory, file offsets and lengths on the filesystems ferry meets
// (logical blocks of 512 or 4096 bytes). A filesystem that wants more refuses with EINVAL and
// gets plain writes instead.
constexpr std::size_t direct_alignment = 4096;

bool set_direct(int fd, bool on) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) return false;
    return ::fcntl(fd, F_SETFL, on ? (flags | O_DIRECT) : (flags & ~O_DIRECT)) == 0;
}

}  // namespace

disk_writer::disk_writer(int fd, std::string shown_dir, mode m)
    : fd_(fd), shown_dir_(std::move(shown_dir)) {
    for (auto& b : blocks_) {
        b.reset(static_cast<std::uint8_t*>(std::aligned_alloc(direct_alignment, block_size)));
        if (!b) throw std::bad_alloc();
    }
    sequential_ = m == mode::sequential;
    direct_ = m == mode::automatic && set_direct(fd_, true);
    try {
        thread_ = std::thread([this] { run(); });
    } catch (...) {
        if (direct_) set_direct(fd_, false);
        throw;
    }
}

disk_writer::~disk_writer() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
    if (direct_) set_direct(fd_, false);  // the descriptor goes back as it came
}

void disk_writer::start_at(std::uint64_t offset, const sha256& prefix) {
    offset_ = offset;
    synced_ = offset;
    hash_ = prefix;
}

void disk_writer::on_durable(durable_hook hook, std::uint64_t bytes,
                             std::chrono::milliseconds interval) {
    durable_ = std::move(hook);
    sync_bytes_ = bytes;
    sync_interval_ = interval;
    synced_at_ = std::chrono::steady_clock::now();
}

void disk_writer::write(byte_span bytes) {
    if (finished_) throw std::logic_error("disk_writer: write after finish");
    hash_.update(bytes);  // here, so that the thread's time per block is the disk's alone
    while (!bytes.empty()) {
        const auto n = std::min(bytes.size(), block_size - filled_);
        std::memcpy(blocks_[current_].get() + filled_, bytes.data(), n);
        filled_ += n;
        bytes = bytes.subspan(n);
        if (filled_ == block_size) hand_over();
    }
}

void disk_writer::hand_over() {
    std::unique_lock lock(mutex_);
    wait_idle(lock);  // the other block must be on disk before the caller may refill it
    job_block_ = current_;
    job_offset_ = offset_;
    busy_ = true;
    lock.unlock();
    changed_.notify_all();
    current_ ^= 1U;
    filled_ = 0;
    offset_ += block_size;
}

sha256_digest disk_writer::finish() {
    if (finished_) throw std::logic_error("disk_writer: finish twice");
    std::unique_lock lock(mutex_);
    wait_idle(lock);
    // The thread is idle until the next hand_over(): the rest is written from here. Only whole
    // aligned blocks may go direct; the tail of the file is a plain write.
    const auto* data = blocks_[current_].get();
    const auto head = direct_ ? filled_ - filled_ % direct_alignment : filled_;
    int err = write_out(data, head, offset_);
    if (err == 0 && head < filled_) {
        if (direct_) direct_ = !set_direct(fd_, false);
        err = direct_ ? EINVAL : write_out(data + head, filled_ - head, offset_ + head);
    }
    if (err != 0) {
        error_ = err;  // like the thread's errors: every later call fails too
        fail(err);
    }
    offset_ += filled_;
    filled_ = 0;
    finished_ = true;
    return hash_.finish();
}

void disk_writer::wait_idle(std::unique_lock<std::mutex>& lock) {
    changed_.wait(lock, [this] { return !busy_; });
    if (failure_) std::rethrow_exception(failure_);
    if (error_ != 0) fail(error_);
}

void disk_writer::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        changed_.wait(lock, [this] { return busy_ || stop_; });
        if (stop_) return;
        const auto* data = blocks_[job_block_].get();
        const auto offset = job_offset_;
        lock.unlock();
        int err = 0;
        try {
            err = write_out(data, block_size, offset);
            if (err == 0 && durable_) err = maybe_sync(offset + block_size);
        } catch (...) {  // nothing may escape this thread: the caller rethrows it
            failure_ = std::current_exception();
        }
        lock.lock();
        error_ = err;
        busy_ = false;
        changed_.notify_all();
    }
}

// On the writer's thread, between blocks: a sync every few seconds or tens of MiB, never one
// per block.
// Returns 0 or the errno of a failed sync: an error like a failed write, for the next write()
// or finish() to report (a later fdatasync would not see it again).
int disk_writer::maybe_sync(std::uint64_t end) {
    const auto now = std::chrono::steady_clock::now();
    if (end - synced_ < sync_bytes_ && now - synced_at_ < sync_interval_) return 0;
    if (::fdatasync(fd_) != 0) {
        sync_failed_ = true;
        return errno;
    }
    synced_ = end;
    synced_at_ = now;
    durable_(end);
    return 0;
}

// Returns 0 or an errno value. Never throws: it runs on the writer's thread.
int disk_writer::write_out(const std::uint8_t* data, std::size_t length, std::uint64_t offset) {
    const auto start = offset;
    while (length > 0) {
        const auto n = sequential_ ? ::write(fd_, data, length)
                                   : ::pwrite(fd_, data, length, static_cast<off_t>(offset));
        if (n < 0) {
            const int err = errno;
            if (err == EINTR) continue;
            if (err == EAGAIN && sequential_) {
                // Standard output inherited non-blocking: wait until it takes more.
                pollfd p{fd_, POLLOUT, 0};
                ::poll(&p, 1, -1);
                continue;
            }
            // Refused direct (this filesystem's alignment, or a short write that left the rest
            // misaligned): the same bytes as a plain write.
            if (err == EINVAL && direct_ && set_direct(fd_, false)) {
                direct_ = false;
                continue;
            }
            return err;
        }
        if (n == 0) return EIO;
        data += n;
        length -= static_cast<std::size_t>(n);
        offset += static_cast<std::uint64_t>(n);
    }
    if (!direct_ && !sequential_ && offset > start) {
        // Advisory: start writing these pages back now, so that the final fdatasync() waits for
        // the last block only. A failure shows up again, and is reported, at fdatasync().
        ::sync_file_range(fd_, static_cast<off_t>(start), static_cast<off_t>(offset - start),
                          SYNC_FILE_RANGE_WRITE);
    }
    return 0;
}

void disk_writer::fail(int err) const {
    throw failure(exit_code::local_io, fmt::format("cannot write into {}: {}", shown_dir_,
                                                   std::generic_category().message(err)));
}

}  // namespace ferry::receiver
