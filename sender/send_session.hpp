#pragma once

#include <array>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto/sha256.hpp"
#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "common/session/record_channel.hpp"
#include "common/transfer/message.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/progress.hpp"
#include "sender/rate_limiter.hpp"
#include "sender/sender.hpp"
#include "sender/source.hpp"
#include "sender/stream_packer.hpp"
#include "sender/tree_source.hpp"

namespace ferry::sender {

// A receiver that stopped before any data for a reason the next receiver with the same code may
// not have: it declined, could not be asked, or took the code for a share's. The sender may wait
// for another receiver.
class receiver_declined : public failure {
  public:
    using failure::failure;
};

// The transfer of one source over a keyed channel: OFFER, the receiver's answer, the data
// (hashed as it streams, paced), DONE, and the receiver's VERIFIED. It owns the transfer's
// state; the two directions of the data phase (stream() and listen()) share it through it.
class send_session {
  public:
    // `peer_left` is kept up to date with what a receiver that went away would have left
    // undone, for the caller's message.
    // `compress`: compress_off, compress_auto or a level, as far as the receiver takes it.
    send_session(record_channel& channel, source& what, const options& opts, int compress,
                 deadline& activity, std::string& peer_left);

    awaitable<void> run();

    // A share's receivers: smaller read-ahead batches (memory per receiver), and a flag that,
    // once set, ends the data with an ABORT ("cancelled": `why`) at the next record.
    void share_mode(std::size_t batch_size, const bool& stop, std::string why) {
        batch_size_ = batch_size;
        stop_ = &stop;
        stop_why_ = std::move(why);
    }
    // Bytes of the source sent (or kept by a resuming receiver) so far.
    [[nodiscard]] std::uint64_t sent() const { return sent_; }

  private:
    awaitable<void> offer();
    awaitable<void> expect_accept();
    // RESUME: the receiver holds the file's first bytes; hash ours and answer where DATA starts.
    awaitable<void> resume_at(const msg::resume& r);
    awaitable<void> hash_prefix(std::uint64_t length);
    // RESUME_TREE: the receiver holds a tree's first entries; check them (kept_check) and answer
    // where the records start.
    awaitable<void> resume_tree_at(const msg::resume_tree& r);
    awaitable<std::vector<msg::digest>> read_kept(std::uint32_t entries);
    awaitable<void> exchange_data();
    // Reads, hashes and sends the source, then DONE.
    awaitable<void> stream();
    awaitable<void> stream_bytes();
    // A tree, or bytes to compress: batches of records made on another thread while the
    // previous batch is sent.
    awaitable<void> stream_tree(tree_source& tree);
    awaitable<void> stream_packed();
    awaitable<void> stream_batches(progress_bar& bar);
    awaitable<void> fill_batch(std::size_t which);
    awaitable<std::size_t> make_batch(std::size_t which);
    awaitable<void> send_batch(std::size_t which, progress_bar& bar, rate_limiter& limiter);
    // A tree's progress: the file being sent and the files done; `now`: whether drawn or not.
    void show_entry(progress_bar& bar, bool now);
    [[nodiscard]] std::string wire_text() const;
    // Reads the receiver's one answer to the data: VERIFIED, or an ABORT whenever it comes.
    awaitable<void> listen();
    void check_verified() const;

    record_channel& channel_;
    source& source_;
    const options& opts_;
    int compress_;
    deadline& activity_;
    std::string& peer_left_;
    sha256 hash_;
    sha256_digest digest_{};
    std::uint64_t sent_ = 0;
    std::uint64_t start_ = 0;  // where DATA starts: past what a resuming receiver has
    bool done_sent_ = false;
    bool write_failed_ = false;
    std::optional<msg::verified> verified_;
    // Batched sending (a tree, or bytes compressed by `packer_`): two batches of records (one
    // filled while the other is sent), their lengths, a tree's files sent, and the bytes of
    // data records on the wire (ZDATA counted as sent, the bytes they hold in sent_).
    tree_source* tree_ = nullptr;
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
