#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/transfer/message.hpp"

namespace ferry::sender {

// One file, folder or symlink to send, as the walk found it.
struct planned_entry {
    msg::entry_type type = msg::entry_type::file;
    std::uint16_t mode = 0;  // permission bits (0777)
    std::int64_t mtime_ns = 0;
    std::uint64_t size = 0;
    std::uint32_t item = 0;  // the top-level item it belongs to (an index into tree_plan::roots)
    std::string path;        // as sent: the item's name, then '/'-separated components
    std::string target;      // a symlink's
    dev_t dev = 0;           // a file's identity at the walk: it must be the same when sent
    ino_t ino = 0;
    std::uint32_t index = 0;  // its place in the walk of everything (a share's, for a selection)
    // Named on the command line (a top-level item): a symlink there is followed, as by the
    // shell; below it, never. A share's selection keeps what the share's walk said.
    bool named = false;
};

// What `ferry send a b/ c` will send, found by walking with stat only (nothing is read or
// hashed before the offer): the entries in walk order (a folder before what is in it, names
// sorted), the offer with its totals, and the notices for what is skipped. Memory: one
// planned_entry per entry.
struct tree_plan {
    std::vector<std::filesystem::path> roots;  // each top-level item's path on this computer
    std::vector<planned_entry> entries;
    msg::offer offer;
    std::vector<std::string> notices;  // printable, one line each: skipped devices, links, ...

    // Where an entry is on this computer.
    [[nodiscard]] std::filesystem::path local_path(const planned_entry& e) const;
};

// Walks `paths` (followed if they are symlinks). Throws failure before anything is offered:
// usage for a name no receiver would take, two items of the same name or a tree over the
// limits; local_io, listing them, for files or folders that cannot be read.
tree_plan plan_tree(const std::vector<std::filesystem::path>& paths);

// "3 items: 1,204 files in 37 folders, 3.2 GiB" or "'photos/' (1,202 files in 36 folders,
// 3.1 GiB)", printable.
std::string describe_plan(const msg::offer& offer);

}  // namespace ferry::sender
