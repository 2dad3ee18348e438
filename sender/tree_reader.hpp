#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/crypto/sha256.hpp"
#include "common/wire/bytes.hpp"
#include "sender/record_packer.hpp"
#include "sender/share_digests.hpp"
#include "sender/tree_plan.hpp"

namespace ferry::sender {

// Turns a plan into the records of a tree transfer: for each entry its ENTRY, and for a file
// its DATA records and its FILE_END (the SHA-256 of its bytes, hashed as they are read). It
// blocks on the disk, so it runs on a thread of its own (a background_reader), one batch at a
// time. Each file must be the one the walk found (same file, size and mtime) and must not change
// while it is read; otherwise failure(local_io) names it.
class tree_reader {
  public:
    explicit tree_reader(const tree_plan& plan) : plan_(plan) {}
    ~tree_reader();
    tree_reader(const tree_reader&) = delete;
    tree_reader& operator=(const tree_reader&) = delete;

    // From the next file on, its data goes as a record_packer decides (compress_auto or a zstd
    // level); before the first fill() only (the thread reads this state).
    void compress_with(int setting);
    // The records start at entry `first` (a resuming receiver has those before it); before the
    // first fill() only.
    void start_at(std::size_t first) { next_ = first; }
    // A share's: its files are hashed once by `digests` (planned_entry::index is their place in
    // it), not here; before the first fill() only.
    void take_digests_from(share_digests& digests) { digests_ = &digests; }

    // Fills `into` (at least 64 KiB) with whole records, each `length u32 BE | payload`, and
    // returns the bytes used: 0 once everything was read.
    std::size_t fill(mutable_byte_span into);

  private:
    std::size_t put_entry(mutable_byte_span into);
    std::size_t put_data(mutable_byte_span into);
    std::size_t put_packed(mutable_byte_span into, std::size_t n);
    std::size_t put_file_end(mutable_byte_span into);
    void open_file(const planned_entry& e);
    void read_exactly(std::uint8_t* to, std::size_t n);
    void close_file();
    [[noreturn]] void changed(const char* how) const;

    const tree_plan& plan_;
    std::size_t next_ = 0;                 // the next entry to put
    const planned_entry* file_ = nullptr;  // the file being read, if any
    int fd_ = -1;
    std::uint64_t offset_ = 0;
    struct stat opened_ {};
    sha256 hash_;
    std::optional<record_packer> packer_;  // when compressing
    std::vector<std::uint8_t> chunk_;      // a chunk read for the packer
    share_digests* digests_ = nullptr;
};

}  // namespace ferry::sender
