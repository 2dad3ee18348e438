#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/transfer/message.hpp"

namespace ferry::receiver {

// `ferry receive CODE --list`: a share's entries as its sender walked them, one line each as it
// comes (a listing of a million entries is never held): a file with its size and modification
// time (local time), a link with its target, and a folder with the files and bytes below it,
// once they have all come (after them, as du prints). The columns come first, the path last:
//
//     2.10 MiB  2026-09-01 10:14  course/week1/intro.pdf
//      310 MiB  12 files          course/week1/
//                                 course/week2/syllabus-link -> ../syllabus.txt
//
// Everything the sender named is made printable. Memory: the folders the walk is in, only.
class share_listing {
  public:
    using line_fn = std::function<void(const std::string& line)>;  // a line with its '\n'

    explicit share_listing(line_fn out) : out_(std::move(out)) {}
    // Throws wire_error past max_tree_entries.
    void add(const msg::entry& e);
    [[nodiscard]] std::size_t size() const { return entries_; }
    // The folders still open, then a line of totals ("214 files in 5 folders, 1.8 GiB").
    void finish();

  private:
    struct folder {
        std::string prefix;  // its path as sent, with a '/' after it
        std::uint64_t size = 0;
        std::uint32_t files = 0;
    };
    void close_folders_before(const std::string& path);
    void close_folder();

    line_fn out_;
    std::vector<folder> open_;  // the folders the walk is in, outermost first
    std::size_t entries_ = 0;
    std::uint32_t files_ = 0;
    std::uint32_t folders_ = 0;
    std::uint32_t links_ = 0;
    std::uint64_t bytes_ = 0;
};

// "2026-09-01 10:14", local time.
std::string listing_time(std::int64_t mtime_ns);

}  // namespace ferry::receiver
