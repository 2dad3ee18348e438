#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto/sha256.hpp"
#include "common/net/asio.hpp"
#include "common/session/record_channel.hpp"
#include "common/transfer/message.hpp"
#include "common/wire/bytes.hpp"
#include "receiver/partial_tree.hpp"
#include "receiver/receiver.hpp"
#include "receiver/staging_tree.hpp"
#include "receiver/tree_checker.hpp"

namespace ferry {
class progress_bar;
}

namespace ferry::receiver {

class tree_writer;

// Throws failure(local_io) unless `dir` has room for the offer: its bytes, a block for each
// entry and a margin, and an inode for each entry where the filesystem counts them; `kept`
// bytes of it are here already.
void check_tree_space(const std::filesystem::path& dir, const msg::offer& offer,
                      std::uint64_t kept = 0);

// The data phase of a tree offer, once accepted: every record checked (tree_checker) and
// applied below the staging folder (tree_writer, on its own thread), then at DONE the totals
// and digests checked, the data made durable, the items given their final names and VERIFIED
// sent. Returns the final names. Any failure leaves nothing at a final name. With a partial_tree
// (a transfer that can be resumed) each entry written whole is journaled.
class tree_transfer {
  public:
    tree_transfer(record_channel& channel, const options& opts, const msg::offer& offer,
                  staging_tree& staging, partial_tree* partial = nullptr);

    // Before run(): the first `n` entries are here from an earlier try (partial's, the sender's
    // records start after them); they count as received, checked like the records.
    void resume_after(std::size_t n);
    awaitable<std::vector<std::string>> run();

  private:
    awaitable<void> receive_records();
    awaitable<void> apply_records(tree_writer& writer, progress_bar& bar);
    void take_data(tree_writer& writer, progress_bar& bar, byte_span payload, std::uint64_t bytes);
    void end_records(tree_writer& writer, progress_bar& bar, const msg::done& d);
    awaitable<std::vector<std::string>> on_done();
    // The file being received and the files done; `now`: whether the line is drawn or not.
    void show_entry(progress_bar& bar, bool now);

    record_channel& channel_;
    const options& opts_;
    const msg::offer& offer_;
    staging_tree& staging_;
    partial_tree* partial_;
    tree_checker check_;
    std::uint64_t received_ = 0;
    std::uint64_t skipped_ = 0;  // symlinks not created
    sha256 digests_;             // of the FILE_END digests, in order
    msg::done done_;
    std::optional<std::string> shown_path_;  // the last entry's, until the progress line shows it
};

}  // namespace ferry::receiver
