#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/transfer/message.hpp"
#include "common/wire/bytes.hpp"
#include "receiver/partial_state.hpp"

// The journal of a tree received so that it can be resumed (`journal` in its
// `.ferry-partial-<id>` folder): the entries written whole, in the order they came, each with its
// file's SHA-256. Appended to as entries finish; a torn or damaged tail is cut off when it is
// read. No keys, no code, nothing from the session (docs/protocol.md §4.2).
//
//   header  "FRPT" · version 1 · transfer id (32) · boot id (36)                 73 bytes
//   record  kind u8 · length u32 · body (length bytes) · check (16)
//   check   the first 16 bytes of SHA-256(previous check || kind || length || body); before the
//           first record, of SHA-256("ferry/1 journal" || transfer id)
//   kind 1  an entry written whole: body = the file's SHA-256 (zeros for a folder or a symlink)
//           || the ENTRY message as received
//   kind 2  synced: every byte written before this record was synced to the disk first; no body
namespace ferry::receiver {

inline constexpr std::size_t journal_header_size = 4 + 1 + 32 + 36;
using journal_check = std::array<std::uint8_t, 16>;

struct journal_entry {
    msg::entry entry;
    msg::digest sha256{};
    std::vector<std::uint8_t> wire;  // the ENTRY message
    std::uint64_t end = 0;           // the journal's length after the entry's record
    journal_check check{};           // the chain's value after it
};

struct journal_contents {
    transfer_id id{};
    boot_id boot{};
    std::vector<journal_entry> entries;  // the records' valid prefix
    std::size_t synced = 0;              // entries before the last synced mark
};

journal_check journal_seed(const transfer_id& id);
std::vector<std::uint8_t> encode_journal_header(const transfer_id& id, const boot_id& boot);
// Appends one record to `out`, moving `check` on.
void append_journal_record(std::vector<std::uint8_t>& out, journal_check& check, std::uint8_t kind,
                           byte_span body);
inline constexpr std::uint8_t journal_entry_kind = 1;
inline constexpr std::uint8_t journal_synced_kind = 2;

// Not a journal (another magic or version, a short header): nothing. Otherwise its header and
// the records up to the first that is torn, damaged or unknown.
std::optional<journal_contents> decode_journal(byte_span bytes);

// The journal file of one partial tree, in the folder `folder_fd` (which outlives it). Written
// on the tree_writer's thread only, once started; records are gathered and written every 4 KiB
// or 50 ms, so that small files cost few extra system calls. Every 2 s or 64 MiB of data the
// filesystem is synced (syncfs) and a synced mark follows.
class tree_journal {
  public:
    tree_journal(int folder_fd, const transfer_id& id, std::string shown);
    ~tree_journal();
    tree_journal(const tree_journal&) = delete;
    tree_journal& operator=(const tree_journal&) = delete;

    // What an earlier try left, as far as it is sure: after a restart of the system, only the
    // entries before its last synced mark. Empty for a foreign or damaged journal.
    [[nodiscard]] const std::vector<journal_entry>& loaded() const { return loaded_; }
    // Keeps the first `n` loaded entries and appends after them: the file is cut there, the
    // header names this boot, and a synced mark follows at once.
    void start(std::size_t n);

    // The tree_writer's thread: an entry was written whole (a file: closed, its digest right).
    void entry_done(byte_span entry_wire, const msg::digest& file_digest, std::uint64_t size);
    // Data was written: syncs and marks when due. Throws failure(local_io) if the sync fails.
    void wrote(std::uint64_t bytes);

    // At the end of a try that keeps its data: everything synced and marked. False if a sync
    // failed now or before (the files may lack bytes they seem to hold: keep nothing).
    bool finish_kept();

    [[nodiscard]] std::size_t entries() const { return entries_; }
    [[nodiscard]] std::uint64_t bytes() const { return bytes_; }

  private:
    void read_back();
    void sync_and_mark();
    void flush();
    [[noreturn]] void fail(const char* doing, int err);

    int folder_fd_;
    transfer_id id_;
    std::string shown_;
    int fd_ = -1;
    std::vector<journal_entry> loaded_;
    std::vector<std::uint8_t> pending_;  // records not yet written
    journal_check check_{};
    std::uint64_t length_ = 0;  // of the file, pending_ excluded
    std::size_t entries_ = 0;   // journaled, loaded ones kept included
    std::uint64_t bytes_ = 0;   // their files' bytes
    std::uint64_t unsynced_ = 0;
    std::chrono::steady_clock::time_point synced_at_;
    std::chrono::steady_clock::time_point written_at_;
    bool started_ = false;
    bool sync_failed_ = false;
};

// The file bytes a journal in `folder_fd` vouches for (for --discard-partial's count); 0 if none.
std::uint64_t journal_bytes(int folder_fd);
// The top-level names of the entries a journal in `folder_fd` holds (each once); none if none.
std::vector<std::string> journal_items(int folder_fd);

}  // namespace ferry::receiver
