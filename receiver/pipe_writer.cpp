#include "receiver/pipe_writer.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"

namespace ferry::receiver {

namespace {

// All of it, or an errno value.
int write_all(int fd, const std::uint8_t* data, std::size_t length) {
    while (length > 0) {
        const auto n = ::write(fd, data, length);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {  // inherited non-blocking: wait until it takes more
                pollfd p{fd, POLLOUT, 0};
                ::poll(&p, 1, -1);
                continue;
            }
            return errno;
        }
        if (n == 0) return EIO;
        data += n;
        length -= static_cast<std::size_t>(n);
    }
    return 0;
}

}  // namespace

pipe_writer::pipe_writer(int fd, std::string shown, std::size_t limit)
    : fd_(fd), shown_(std::move(shown)), limit_(limit), thread_([this] { run(); }) {}

pipe_writer::~pipe_writer() {
    stop();
}

void pipe_writer::stop() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
    const std::lock_guard lock(mutex_);
    if (error_ == 0) error_ = ECANCELED;  // a write or finish after this fails, never waits
    queue_.clear();
    queued_ = 0;
}

void pipe_writer::write(byte_span bytes) {
    if (finished_) throw std::logic_error("pipe_writer: write after finish");
    if (bytes.empty()) return;
    hash_.update(bytes);
    std::unique_lock lock(mutex_);
    // One chunk may go past the limit, so that any size is taken.
    changed_.wait(lock,
                  [&] { return error_ != 0 || queued_ == 0 || queued_ + bytes.size() <= limit_; });
    if (error_ != 0) fail(error_);
    queue_.emplace_back(bytes.begin(), bytes.end());
    queued_ += bytes.size();
    lock.unlock();
    changed_.notify_all();
}

sha256_digest pipe_writer::finish() {
    if (finished_) throw std::logic_error("pipe_writer: finish twice");
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return error_ != 0 || queued_ == 0; });
    if (error_ != 0) fail(error_);
    finished_ = true;
    return hash_.finish();
}

void pipe_writer::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        changed_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        auto chunk = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        const int err = write_all(fd_, chunk.data(), chunk.size());
        if (err == 0) written_ += chunk.size();
        lock.lock();
        if (err != 0) {
            error_ = err;  // every later call fails with it; what waits is dropped
            queue_.clear();
        }
        queued_ = err != 0 ? 0 : queued_ - chunk.size();
        changed_.notify_all();
    }
}

void pipe_writer::fail(int err) const {
    throw failure(exit_code::local_io, fmt::format("cannot write into {}: {}", shown_,
                                                   std::generic_category().message(err)));
}

}  // namespace ferry::receiver
