#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/transfer/message.hpp"

namespace ferry::receiver {

// `ferry receive CODE --list`: a share's entries as its sender walked them, shown as a table,
// one line each: a folder with the files and bytes below it, a file with its size and
// modification time (local time), a link with its target. Everything the sender named is made
// printable. Memory: one small row per entry.
class share_listing {
  public:
    // Throws wire_error past max_tree_entries.
    void add(const msg::entry& e);
    [[nodiscard]] std::size_t size() const { return rows_.size(); }
    // The table, then a line of totals ("214 files in 5 folders, 1.8 GiB").
    [[nodiscard]] std::string text() const;

  private:
    struct row {
        msg::entry_type type{};
        std::string path;  // printable; a folder's ends in '/'
        std::string target;
        std::uint64_t size = 0;  // a folder's: of the files below it
        std::uint32_t files = 0;
        std::int64_t mtime_ns = 0;
    };
    void close_folders_before(const std::string& path);

    std::vector<row> rows_;
    std::vector<std::size_t> open_;  // the folders the walk is in, outermost first
    std::vector<std::string> open_prefix_;
    std::uint32_t files_ = 0;
    std::uint32_t folders_ = 0;
    std::uint32_t links_ = 0;
    std::uint64_t bytes_ = 0;
};

// "2026-09-01 10:14", local time.
std::string listing_time(std::int64_t mtime_ns);

}  // namespace ferry::receiver
