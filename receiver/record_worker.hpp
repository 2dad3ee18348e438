#pragma once

#include <array>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/wire/bytes.hpp"

namespace ferry::receiver {

// Hands records from the io thread to a thread of its own, in order: each posted payload is
// copied into one of two blocks while the thread applies the records of the other, so the
// network and the slow work (the disk, decompression) run at the same time, and a thread that
// falls behind slows the caller down (it waits for a free block) instead of piling up memory.
// A failure of the thread (what `apply` threw) is thrown by the caller's next post() or
// finish(); nothing more is applied after it.
class record_worker {
  public:
    using apply_fn = std::function<void(byte_span payload)>;

    // Payloads of at most `block_size - 4` bytes. `apply` runs on the thread only.
    record_worker(std::size_t block_size, apply_fn apply);
    ~record_worker() { stop(); }
    record_worker(const record_worker&) = delete;
    record_worker& operator=(const record_worker&) = delete;

    void post(byte_span payload);
    // Waits until every record posted has been applied.
    void finish();
    // Waits for the block being applied and ends the thread, dropping what was not handed over;
    // an owner whose state `apply` uses calls it before tearing that state down.
    void stop();

  private:
    struct block {
        std::vector<std::uint8_t> bytes;
        std::size_t used = 0;
    };

    void hand_over();
    void wait_idle(std::unique_lock<std::mutex>& lock);
    void run();
    void apply(const block& b);

    apply_fn apply_;
    std::array<block, 2> blocks_;
    std::size_t current_ = 0;  // the block the caller fills

    std::mutex mutex_;
    std::condition_variable changed_;
    // Guarded by mutex_.
    bool busy_ = false;
    bool stop_ = false;
    std::size_t job_ = 0;
    std::exception_ptr failure_;
    std::thread thread_;  // last: started once everything above is ready
};

}  // namespace ferry::receiver
