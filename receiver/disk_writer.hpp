#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/crypto/sha256.hpp"
#include "common/wire/bytes.hpp"

namespace ferry::receiver {

// Writes a stream of bytes into a file from offset 0, hashing them (SHA-256) as they come: the
// bytes are gathered into large aligned blocks that a thread of its own writes while the caller
// fills the next one, so the network and the disk work at the same time, and a slow disk slows
// the transfer down (the caller waits for a free block) instead of piling up memory.
//
// Where the filesystem takes O_DIRECT, blocks go straight to the disk: no copy into the page
// cache and no gigabytes of dirty pages for the final fdatasync() to wait for. Elsewhere (or if
// a direct write is refused) it falls back to plain writes, each block handed to writeback at once.
class disk_writer {
  public:
    static constexpr std::size_t block_size = std::size_t{4} << 20U;
    // automatic: O_DIRECT where it can; buffered: never; sequential: plain write(2) in order,
    // for a descriptor without offsets (standard output, a pipe).
    enum class mode { automatic, buffered, sequential };

    // `fd` stays owned by the caller and must outlive this object. `shown_dir` names the folder
    // in error messages.
    disk_writer(int fd, std::string shown_dir, mode m = mode::automatic);
    ~disk_writer();
    disk_writer(const disk_writer&) = delete;
    disk_writer& operator=(const disk_writer&) = delete;

    // A resumed file: writing starts at `offset` (4096-aligned for O_DIRECT, else plain writes),
    // and the hash carries on from `prefix`, the state after the file's first `offset` bytes.
    // Before the first write.
    void start_at(std::uint64_t offset, const sha256& prefix);

    // Durable progress: after a block is written, once `bytes` or `interval` have gone by since
    // the last time, the file is synced (fdatasync) and `hook` is told how many bytes of it are
    // now on the disk. On the writer's thread: the hook must not throw. Before the first write.
    using durable_hook = std::function<void(std::uint64_t synced)>;
    void on_durable(durable_hook hook, std::uint64_t bytes, std::chrono::milliseconds interval);

    // Takes all of `bytes`; failure(local_io) for this or an earlier block that could not be
    // written. Blocks (the caller's thread, an event loop's included) for as long as one block
    // takes to write when the disk is behind: that is the backpressure.
    void write(byte_span bytes);

    // Writes what is left, waits until every byte is in the file (not yet synced), and returns
    // the SHA-256 of all the bytes written. Once: nothing may be written after it.
    sha256_digest finish();

    [[nodiscard]] bool finished() const { return finished_; }
    // Whether a sync of durable progress failed: the file may then miss bytes that seemed
    // written (Linux reports a writeback error once), so it must not be kept. Once the writer
    // is idle (after finish() or a failure).
    [[nodiscard]] bool sync_failed() const { return sync_failed_; }

    // Whether blocks go to the disk with O_DIRECT (for tests; not while a block is written).
    [[nodiscard]] bool direct() const { return direct_; }

  private:
    struct free_deleter {
        void operator()(std::uint8_t* p) const { std::free(p); }  // NOLINT: from aligned_alloc
    };
    using block = std::unique_ptr<std::uint8_t[], free_deleter>;

    void hand_over();
    void wait_idle(std::unique_lock<std::mutex>& lock);
    void run();
    int write_out(const std::uint8_t* data, std::size_t length, std::uint64_t offset);
    int maybe_sync(std::uint64_t end);
    [[noreturn]] void fail(int err) const;

    int fd_;
    std::string shown_dir_;
    // Changed only by whoever writes while the other side waits (the thread, or finish() when
    // the thread is idle); the mutex hand-over orders the accesses.
    bool direct_ = false;
    bool sequential_ = false;
    std::array<block, 2> blocks_;
    std::size_t current_ = 0;  // the block the caller fills
    std::size_t filled_ = 0;
    std::uint64_t offset_ = 0;  // where the current block goes in the file
    sha256 hash_;               // the caller's: of every byte given to write()
    // The writer thread's own, set before it has anything to write.
    durable_hook durable_;
    std::uint64_t sync_bytes_ = 0;
    std::chrono::milliseconds sync_interval_{0};
    std::uint64_t synced_ = 0;
    std::chrono::steady_clock::time_point synced_at_{};
    bool sync_failed_ = false;
    bool finished_ = false;

    std::mutex mutex_;
    std::condition_variable changed_;
    // Guarded by mutex_: the block the thread writes, and how it went.
    bool busy_ = false;
    bool stop_ = false;
    std::size_t job_block_ = 0;
    std::uint64_t job_offset_ = 0;
    int error_ = 0;
    std::exception_ptr failure_;  // anything else the thread ran into
    std::thread thread_;          // last: started once everything above is ready
};

}  // namespace ferry::receiver
