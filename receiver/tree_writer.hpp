#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/crypto/sha256.hpp"
#include "common/transfer/chunk_compression.hpp"
#include "common/transfer/message.hpp"
#include "common/wire/bytes.hpp"
#include "receiver/record_worker.hpp"
#include "receiver/staging_tree.hpp"
#include "receiver/tree_journal.hpp"

namespace ferry::receiver {

// Applies a tree's records (ENTRY, DATA, FILE_END, already checked by a tree_checker) to a
// staging_tree on a thread of its own, so that creating thousands of files never holds up the
// io thread (a record_worker with two 4 MiB blocks); ZDATA is decompressed there too. Each file is
// hashed as it is written and compared with its FILE_END: a file that arrived damaged is
// failure(integrity). A failure of the thread is thrown by the caller's next call. With a
// journal, each entry written whole is journaled there, on the same thread, after it.
class tree_writer {
  public:
    static constexpr std::size_t block_size = std::size_t{4} << 20U;

    explicit tree_writer(staging_tree& tree, tree_journal* journal = nullptr);
    ~tree_writer();
    tree_writer(const tree_writer&) = delete;
    tree_writer& operator=(const tree_writer&) = delete;

    // One record's payload (its type byte first).
    void post(byte_span payload) { worker_.post(payload); }
    // An ENTRY the receiver does not create (a symlink it skips): only journaled, in its place.
    void post_skipped(byte_span entry_payload);
    // Waits until every record posted has been applied.
    void finish() { worker_.finish(); }
    // Symlinks the filesystem could not create; read after finish().
    [[nodiscard]] std::uint64_t links_left_out() const { return links_left_out_; }

  private:
    void apply_record(byte_span payload);
    void write_data(byte_span data);
    void start_entry(const msg::entry& e);
    void end_file(const msg::file_end& f);
    void write_back();
    void journal(byte_span entry_wire, const msg::digest& file_digest, std::uint64_t size);

    staging_tree& tree_;
    tree_journal* journal_;

    // The thread's: the file being written.
    int fd_ = -1;
    msg::entry file_;
    std::vector<std::uint8_t> file_wire_;  // its ENTRY, for the journal
    sha256 hash_;
    std::uint64_t written_ = 0;  // of the file
    std::uint64_t flushed_ = 0;  // handed to writeback
    std::uint64_t links_left_out_ = 0;
    bool skip_next_ = false;  // the next record is a skipped ENTRY
    transfer::chunk_decompressor unzstd_;
    std::vector<std::uint8_t> unpacked_;  // a ZDATA record's bytes

    record_worker worker_;  // last: its thread uses everything above
};

}  // namespace ferry::receiver
