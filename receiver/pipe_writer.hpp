#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto/sha256.hpp"
#include "common/wire/bytes.hpp"

namespace ferry::receiver {

// Writes bytes into a descriptor without offsets (standard output, a pipe) as soon as they are
// given, from a thread of its own, hashing them (SHA-256) as they come: nothing waits for a block
// to fill, so a slow stream reaches its consumer record by record. At most `limit` bytes wait to
// be written; past that the caller waits, so a slow consumer slows the transfer down.
class pipe_writer {
  public:
    static constexpr std::size_t default_limit = std::size_t{4} << 20U;

    // `fd` stays owned by the caller and must outlive this object; `shown` names it in errors.
    pipe_writer(int fd, std::string shown, std::size_t limit = default_limit);
    // stop()s.
    ~pipe_writer();
    pipe_writer(const pipe_writer&) = delete;
    pipe_writer& operator=(const pipe_writer&) = delete;

    // Takes a copy of `bytes`; failure(local_io) for a write of earlier bytes that failed.
    void write(byte_span bytes);
    // Waits until every byte is written; the SHA-256 of them all. Once.
    sha256_digest finish();
    [[nodiscard]] bool finished() const { return finished_; }
    // Bytes in the descriptor so far (the thread's count: a write may be under way).
    [[nodiscard]] std::uint64_t written() const { return written_.load(); }
    // Stops the thread once it is done with the write it is in; bytes still waiting are
    // dropped. From then on written() is final: what a reader of the descriptor has got.
    void stop();

  private:
    void run();
    [[noreturn]] void fail(int err) const;

    int fd_;
    std::string shown_;
    std::size_t limit_;
    sha256 hash_;  // the caller's
    bool finished_ = false;
    std::atomic<std::uint64_t> written_{0};

    std::mutex mutex_;
    std::condition_variable changed_;
    // Guarded by mutex_: what waits (the chunk being written included, in queued_), how it went.
    std::deque<std::vector<std::uint8_t>> queue_;
    std::size_t queued_ = 0;
    bool stop_ = false;
    int error_ = 0;
    std::thread thread_;  // last: started once everything above is ready
};

}  // namespace ferry::receiver
