#pragma once

#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/crypto/sha256.hpp"
#include "sender/tree_plan.hpp"

namespace ferry::sender {

// What identifies a file's bytes: device, inode, size, modification and change times (a write
// moves the change time, whatever it does to the others).
struct file_identity {
    dev_t dev = 0;
    ino_t ino = 0;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;
    bool operator==(const file_identity&) const = default;
};
file_identity identity_of(const struct stat& st);

// The SHA-256 of a share's files, each hashed once however many receivers take it, on a thread
// of its own: first the files the receivers' readers are sending (want()), in the order asked,
// then on through the share in walk order. A reader sends a file's bytes without hashing them
// and takes its digest at FILE_END (digest()), so a slow receiver holds up nobody: the hashing
// runs at the disk's pace, not at any receiver's.
class share_digests {
  public:
    explicit share_digests(const tree_plan& share);
    ~share_digests();  // stops the thread (within a MiB of the file it hashes)
    share_digests(const share_digests&) = delete;
    share_digests& operator=(const share_digests&) = delete;

    // A reader opened file `index` (of the share's walk): hash it next.
    void want(std::uint32_t index);
    // Blocks until file `index` is hashed; its digest if the file is still the one `opened`
    // describes, else failure(local_io) naming it (changed since, or unreadable).
    sha256_digest digest(std::uint32_t index, const file_identity& opened);

    // The share stops at once: every digest() waiting, or to come, throws failure(local_io).
    void stop();

    struct counts {
        std::uint64_t files = 0;  // hashed
        std::uint64_t bytes = 0;
    };
    [[nodiscard]] counts hashed() const;

  private:
    enum class state : std::uint8_t { unknown, hashing, done, failed };
    struct slot {
        state now = state::unknown;
        file_identity identity;
        sha256_digest digest{};
    };
    void run();
    std::optional<std::uint32_t> pick();
    // False when it gave way (a wanted file came while this one was hashed ahead) or stopped.
    bool hash(std::uint32_t index, bool wanted, std::vector<std::uint8_t>& buffer);
    [[nodiscard]] bool should_yield(bool wanted) const;
    void finish(std::uint32_t index, const file_identity& identity, const sha256_digest& digest);
    void fail(std::uint32_t index, std::string why);

    const tree_plan& share_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<slot> slots_;  // one per entry of the share (folders stay unknown)
    std::unordered_map<std::uint32_t, std::string> failures_;
    std::deque<std::uint32_t> wanted_;
    std::uint32_t ahead_ = 0;  // where the walk-order pass goes on from
    bool started_ = false;
    bool stop_ = false;
    std::atomic<bool> stopping_{false};  // stop_, read by the hashing loop without the lock
    std::atomic<std::size_t> waiting_wanted_{0};  // wanted_.size(), likewise
    counts hashed_;
    std::thread thread_;
};

}  // namespace ferry::sender
