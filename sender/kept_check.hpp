#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/crypto/sha256.hpp"
#include "common/transfer/message.hpp"
#include "sender/tree_plan.hpp"

namespace ferry::sender {

// Checks what a resuming receiver kept of a tree (its TREE_KEPT values, in walk order) against
// this side's entries: each value is computed here from the plan's ENTRY and the file's bytes as
// they are now (transfer::kept_value), never from names and sizes alone. The first entry that
// differs (a file changed since, or one that cannot be read) ends what is kept. It reads files,
// so it runs on a thread of its own, a step at a time.
class kept_check {
  public:
    kept_check(const tree_plan& plan, std::vector<msg::digest> theirs);
    ~kept_check();
    kept_check(const kept_check&) = delete;
    kept_check& operator=(const kept_check&) = delete;

    // Checks on, reading at most a few MiB; true once every value matched or one did not.
    bool step();

    // The entries kept (the first that many), and of them the files' digests, count and bytes.
    [[nodiscard]] std::size_t matched() const { return matched_; }
    [[nodiscard]] const std::vector<msg::digest>& file_digests() const { return digests_; }
    [[nodiscard]] std::uint64_t matched_bytes() const { return bytes_; }

  private:
    bool open_file(const planned_entry& e);
    void close_file();
    void next(const msg::digest& file_digest);

    const tree_plan& plan_;
    std::vector<msg::digest> theirs_;
    std::size_t matched_ = 0;
    bool stopped_ = false;
    std::vector<msg::digest> digests_;
    std::uint64_t bytes_ = 0;
    int fd_ = -1;  // the file being hashed, entry matched_
    std::uint64_t offset_ = 0;
    sha256 hash_;
    std::vector<std::uint8_t> buffer_;
};

}  // namespace ferry::sender
