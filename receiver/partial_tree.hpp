#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/crypto/sha256.hpp"
#include "common/transfer/message.hpp"
#include "receiver/partial_file.hpp"
#include "receiver/private_folder.hpp"
#include "receiver/staging_tree.hpp"
#include "receiver/tree_journal.hpp"

namespace ferry::receiver {

// A tree received so that an interrupted transfer can go on later: it is staged in
// `.ferry-partial-<id>/tree` in the target folder (id: transfer_id_of the offer) with a journal
// beside it (tree_journal) of the entries written whole. Every step goes through directory
// descriptors with O_NOFOLLOW.
//
// Opening it reads what an earlier try left and checks it against the folder: each journaled
// entry in order must be there with its type and size (a file's bytes are hashed again before
// they are offered: verify_step()); the first that is not ends what is kept, and anything below
// the folder that is not kept is removed. Nothing has a final name until the staging_tree's
// commit(). If it goes before that, what was written stays for the next try (reported in
// `kept`) unless discard() was called or nothing was kept; then the folder goes.
class partial_tree {
  public:
    // `fresh`: whatever an earlier try kept is not offered (and is replaced once data comes).
    partial_tree(const std::filesystem::path& dir, const msg::offer& offered, bool fresh,
                 kept_partial& kept);
    ~partial_tree();
    partial_tree(const partial_tree&) = delete;
    partial_tree& operator=(const partial_tree&) = delete;

    // Entries an earlier try left that can be offered to the sender (0: none), in its order.
    [[nodiscard]] std::size_t kept() const { return kept_; }
    [[nodiscard]] const journal_entry& kept_entry(std::size_t i) const {
        return journal_->loaded()[i];
    }
    // The bytes of the files among the first `n` kept entries.
    [[nodiscard]] std::uint64_t kept_bytes(std::size_t n) const;
    [[nodiscard]] std::uint64_t kept_bytes() const { return kept_bytes(kept_); }
    [[nodiscard]] std::size_t kept_files() const;
    // Hashes the next few MiB of the kept files, read back from the disk; true once all are. A
    // file that does not hash as the journal says ends what is kept before it.
    bool verify_step();

    // Keeps the first `n` (at most kept(), once verified), removes the rest; the journal goes on
    // from there. Once, before staging() is written into.
    void start(std::size_t n);
    [[nodiscard]] staging_tree& staging() { return *staging_; }
    [[nodiscard]] tree_journal& journal() { return *journal_; }

    // The data is wrong (a damaged file, a sender that broke the protocol): nothing is kept.
    void discard() { discarded_ = true; }
    // The staging tree was committed: the folder goes, and so do other partial folders here
    // that kept only items of these names (remove_obsolete_partials).
    void committed();

  private:
    void open_tree();
    // Keeps the first `n` journaled entries that are found below the folder, removes everything
    // else; kept_ becomes the count found in order.
    void prune(std::size_t n);
    void prune_folder(int fd, const std::string& prefix,
                      const std::unordered_map<std::string, std::size_t>& wanted,
                      std::vector<bool>& found);
    int open_kept_file(const std::string& path) const;
    void remove_folder();

    std::filesystem::path dir_;
    std::vector<msg::offer_item> items_;
    kept_partial& report_;
    partial_folder where_;
    int tree_fd_ = -1;
    std::unique_ptr<tree_journal> journal_;
    std::unique_ptr<staging_tree> staging_;
    std::size_t kept_ = 0;
    bool fresh_;
    bool had_entries_ = false;  // the journal held entries when it was opened
    // verify_step()'s: the next entry to check and the file being read.
    std::size_t verified_ = 0;
    int reading_fd_ = -1;
    std::uint64_t read_ = 0;
    sha256 hash_;
    std::vector<std::uint8_t> buffer_;
    bool started_ = false;
    bool committed_ = false;
    bool discarded_ = false;
};

}  // namespace ferry::receiver
