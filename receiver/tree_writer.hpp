#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto/sha256.hpp"
#include "common/transfer/message.hpp"
#include "common/wire/bytes.hpp"
#include "receiver/staging_tree.hpp"

namespace ferry::receiver {

// Applies a tree's records (ENTRY, DATA, FILE_END, already checked by a tree_checker) to a
// staging_tree on a thread of its own, so that creating thousands of files never holds up the
// io thread: the records are copied into one of two 4 MiB blocks while the thread works through
// the other; a slow disk slows the caller down (it waits for a free block) instead of piling up
// memory. Each file is hashed as it is written and compared with its FILE_END: a file that
// arrived damaged is failure(integrity). A failure of the thread is thrown by the caller's next
// call.
class tree_writer {
  public:
    static constexpr std::size_t block_size = std::size_t{4} << 20U;

    explicit tree_writer(staging_tree& tree);
    ~tree_writer();
    tree_writer(const tree_writer&) = delete;
    tree_writer& operator=(const tree_writer&) = delete;

    // One record's payload (its type byte first).
    void post(byte_span payload);
    // Waits until every record posted has been applied.
    void finish();
    // Symlinks the filesystem could not create; read after finish().
    [[nodiscard]] std::uint64_t links_left_out() const { return links_left_out_; }

  private:
    struct block {
        std::vector<std::uint8_t> bytes;
        std::size_t used = 0;
    };

    void hand_over();
    void wait_idle(std::unique_lock<std::mutex>& lock);
    void run();
    void apply(const block& b);
    void apply_record(byte_span payload);
    void start_entry(const msg::entry& e);
    void end_file(const msg::file_end& f);
    void write_back();

    staging_tree& tree_;
    std::array<block, 2> blocks_;
    std::size_t current_ = 0;  // the block the caller fills

    // The thread's: the file being written.
    int fd_ = -1;
    msg::entry file_;
    sha256 hash_;
    std::uint64_t written_ = 0;  // of the file
    std::uint64_t flushed_ = 0;  // handed to writeback
    std::uint64_t links_left_out_ = 0;

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
