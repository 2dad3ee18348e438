#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/sha256.hpp"
#include "common/transfer/message.hpp"
#include "common/wire/bytes.hpp"
#include "receiver/disk_writer.hpp"
#include "receiver/partial_state.hpp"
#include "receiver/private_folder.hpp"
#include "receiver/sink.hpp"

namespace ferry::receiver {

// What a receiver that stopped left for a later resume, for its last message.
struct kept_partial {
    std::string folder;       // ".ferry-partial-..." in the target folder; empty: nothing kept
    std::uint64_t bytes = 0;  // of the file's data
};

// A file received so that an interrupted transfer can go on later: its bytes go to `data` in a
// hidden staging folder of the target folder, `.ferry-partial-<id>` (id: transfer_id_of the
// offer), with a state file beside it (partial_state) rewritten every few seconds or tens of
// MiB once the data is synced. Every file is opened below the folder's descriptor, O_NOFOLLOW.
//
// Nothing has a final name until commit(). If it goes before that, what it wrote stays in the
// staging folder for the next try (reported in `kept`), unless discard() was called (the data is
// wrong) or nothing was written; then the staging folder goes. kill -9 leaves it too: the
// state file was written when the data started.
class partial_file final : public sink {
  public:
    // `fresh`: whatever an earlier try kept is not used (and is replaced once data comes).
    partial_file(const std::filesystem::path& dir, const msg::offer& offered, bool fresh,
                 kept_partial& kept);
    ~partial_file() override;
    partial_file(const partial_file&) = delete;
    partial_file& operator=(const partial_file&) = delete;

    // Bytes of the file an earlier try left that can be offered to the sender (0: none).
    [[nodiscard]] std::uint64_t kept() const { return kept_; }
    // Hashes the next few MiB of those bytes, read back from the disk; true once all are.
    bool hash_kept_step();
    [[nodiscard]] sha256_digest kept_digest() const { return prefix_.peek(); }

    // Writing starts at `from`: kept() (the sender's bytes matched) or 0. Once, before write().
    void start(std::uint64_t from);

    void write(byte_span bytes) override { writer_->write(bytes); }
    sha256_digest finish() override { return writer_->finish(); }
    std::string commit(std::string_view name) override;

    // The bytes are wrong (a damaged file, a sender that broke the protocol): nothing is kept.
    void discard() { discarded_ = true; }

    [[nodiscard]] const std::string& folder_name() const { return where_.name; }

  private:
    void open_data();
    void read_state(std::uint64_t offered_size);
    void write_state(std::uint64_t durable) const;
    void keep_on_disk();
    void remove_folder();
    bool try_rename(const std::string& name);

    transfer_id id_{};
    kept_partial& report_;
    partial_folder where_;
    int data_fd_ = -1;
    std::uint64_t kept_ = 0;
    std::uint64_t hashed_ = 0;
    sha256 prefix_;
    std::vector<std::uint8_t> buffer_;  // for reading the kept bytes back
    boot_id boot_{};
    bool had_data_ = false;     // the data file held bytes when it was opened
    bool sync_failed_ = false;  // a sync of `data` failed: it may miss bytes, keep nothing
    bool started_ = false;
    bool committed_ = false;
    bool discarded_ = false;
    std::unique_ptr<disk_writer> writer_;  // uses data_fd_: reset before it closes
};

// Removes every `.ferry-partial-*` folder in `dir` (what interrupted transfers kept) but those a
// running receive holds; returns how many and their bytes. failure(local_io) if one cannot be
// removed.
struct discarded_partials {
    std::size_t folders = 0;
    std::uint64_t bytes = 0;
    std::size_t busy = 0;  // left alone: a receive is writing into them now
};
discarded_partials discard_partials(const std::filesystem::path& dir);

}  // namespace ferry::receiver
