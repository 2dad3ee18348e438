#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/transfer/message.hpp"

namespace ferry::receiver {

// Checks each record of a tree transfer against the rules and the offer before anything is
// written (docs/protocol.md, "Tree transfers"): safe paths, files that come with exactly their
// size and then FILE_END, entries inside the offered items, at most what was offered; and at
// DONE, that everything offered came. A violation is failure(network) naming the entry. What
// the file system has to say (duplicates, entries below a file or a symlink) is left to the
// staging_tree, which finds it without keeping a list of every path.
class tree_checker {
  public:
    explicit tree_checker(const msg::offer& offer);

    enum class verdict { take, skip };
    // An ENTRY: take it, or skip it (a symlink this receiver does not create: notice() says why).
    verdict on_entry(const msg::entry& e);
    void on_data(std::size_t n);
    void on_file_end();
    void on_done() const;

    [[nodiscard]] bool in_file() const { return in_file_; }
    [[nodiscard]] const std::string& notice() const { return notice_; }
    [[nodiscard]] std::uint32_t files_done() const { return files_done_; }

  private:
    struct item_count {
        std::uint32_t files = 0;
        std::uint64_t size = 0;
        bool seen = false;
    };

    std::size_t item_of(const msg::entry& e);
    [[noreturn]] void refuse(const std::string& path, const std::string& why) const;

    const msg::offer& offer_;
    std::unordered_map<std::string, std::size_t> items_;  // by name
    std::vector<item_count> counts_;
    std::uint64_t entries_ = 0;
    std::uint32_t files_ = 0;
    std::uint32_t files_done_ = 0;
    std::uint32_t folders_ = 0;
    std::uint32_t symlinks_ = 0;
    bool in_file_ = false;
    std::uint64_t left_ = 0;  // of the file being received
    std::string path_;        // of the file being received
    std::string notice_;
};

}  // namespace ferry::receiver
