#pragma once

#include <cstdint>
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
#include "sender/batch_stream.hpp"
#include "sender/sender.hpp"
#include "sender/source.hpp"
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
        batch_.share_mode(batch_size, stop, std::move(why));
    }
    // Bytes of the source sent (or kept by a resuming receiver) so far.
    [[nodiscard]] std::uint64_t sent() const { return sent_; }

  private:
    awaitable<void> offer();
    awaitable<void> expect_accept();
    // RESUME: the receiver holds the file's first bytes; hash ours and answer where DATA starts
    // (send_resume.cpp, like the three below).
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
    // previous batch is sent (batch_stream).
    awaitable<void> stream_tree(tree_source& tree);
    awaitable<void> stream_packed();
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
    batch_stream batch_;  // a tree's, or compressed bytes'
};

}  // namespace ferry::sender
