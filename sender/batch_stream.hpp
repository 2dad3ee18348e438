#pragma once

#include <array>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "common/crypto/sha256.hpp"
#include "common/net/asio.hpp"
#include "common/session/record_channel.hpp"
#include "common/ui/progress.hpp"
#include "sender/rate_limiter.hpp"
#include "sender/source.hpp"
#include "sender/stream_packer.hpp"
#include "sender/tree_source.hpp"

namespace ferry::sender {

// Batched sending (a tree, or bytes compressed by a stream_packer): two batches of records, one
// filled on another thread while the other is sent, paced. It owns the batches, the packer, and
// what they counted: a tree's files sent and the bytes of data records on the wire.
class batch_stream {
  public:
    // `sent` counts the data bytes sent (ZDATA as the bytes they hold); `hash` takes a tree's
    // FILE_END digests in order. `limit_rate`: bytes per second on the wire, 0 = unlimited.
    batch_stream(record_channel& channel, std::uint64_t& sent, sha256& hash,
                 std::uint64_t limit_rate);

    // A share's receivers: smaller read-ahead batches (memory per receiver), and a flag that,
    // once set, ends the data (failure interrupted: `why`) at the next record.
    void share_mode(std::size_t batch_size, const bool& stop, std::string why);
    // A resumed tree: its first `files` files count as sent.
    void files_sent_before(std::uint64_t files) { files_sent_ = files; }

    // A tree's records, read, hashed and compressed (where it pays) on the source's thread.
    awaitable<void> send_tree(tree_source& tree, progress_bar& bar);
    // `from`'s bytes, read on the io thread, hashed and packed into records at `level` on the
    // packer's thread; the hash carries on from `hash`'s. Returns the SHA-256 of all the bytes.
    awaitable<sha256_digest> send_packed(source& from, int level, progress_bar& bar);
    // ", 41.2 MiB on the wire with zstd" once anything went compressed; "" otherwise.
    [[nodiscard]] std::string wire_text() const;

  private:
    awaitable<void> run(progress_bar& bar);
    awaitable<void> fill_batch(std::size_t which);
    awaitable<std::size_t> make_batch(std::size_t which);
    awaitable<void> send_batch(std::size_t which, progress_bar& bar, rate_limiter& limiter);
    // A tree's progress: the file being sent and the files done; `now`: whether drawn or not.
    void show_entry(progress_bar& bar, bool now);

    record_channel& channel_;
    std::uint64_t& sent_;
    sha256& hash_;
    std::uint64_t limit_rate_;
    tree_source* tree_ = nullptr;
    source* bytes_ = nullptr;
    std::unique_ptr<stream_packer> packer_;
    std::array<std::vector<std::uint8_t>, 2> batches_;
    std::array<std::size_t, 2> filled_{};
    std::uint64_t files_sent_ = 0;
    std::uint32_t files_total_ = 0;
    // The last ENTRY record sent, until the progress line shows its path: decoded only then.
    std::vector<std::uint8_t> shown_entry_;
    std::uint64_t wire_sent_ = 0;
    std::uint64_t compressed_records_ = 0;
    std::exception_ptr read_failure_;  // of the batch being filled
    std::size_t batch_size_ = std::size_t{2} << 20U;
    const bool* stop_ = nullptr;
    std::string stop_why_;
};

}  // namespace ferry::sender
