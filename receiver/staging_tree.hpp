#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "common/transfer/message.hpp"

namespace ferry::receiver {

// Files, folders and symlinks being received, below a hidden staging folder
// (".ferry-<random>") inside the target folder. Every step goes through directory file
// descriptors with O_NOFOLLOW, one component at a time: nothing is ever reached through a path
// string or a symlink, so no entry can land outside the staging folder, however it is named. A
// path that exists already (a duplicate), or lies below a file or a symlink of this transfer,
// or in a folder not sent before it, is failure(network). commit() moves each top-level item to
// its final name with renameat2(RENAME_NOREPLACE); until it succeeds, the destructor removes the
// staging folder and everything in it, and nothing is left at a final name.
//
// Used by one thread at a time.
class staging_tree {
  public:
    explicit staging_tree(const std::filesystem::path& target_dir);
    // A staging folder owned by someone else (a partial_tree's, `root_fd` taken over), named
    // `shown_name` in messages: the destructor leaves it and what is in it; commit() leaves it
    // empty.
    staging_tree(const std::filesystem::path& target_dir, int root_fd);
    ~staging_tree();
    staging_tree(const staging_tree&) = delete;
    staging_tree& operator=(const staging_tree&) = delete;

    void make_folder(const std::string& path);
    // False when the filesystem has no symlinks (EPERM, EOPNOTSUPP): nothing was created.
    bool make_symlink(const std::string& path, const std::string& target);
    // A new file, open for writing.
    int create_file(const std::string& path);
    // Gives the file its modification time and, if `mode` has any x bit, x where it has r
    // (as the receiver's umask left it), then closes it.
    void close_file(int fd, const std::string& path, std::uint16_t mode, std::int64_t mtime_ns);

    // Makes every byte below the staging folder durable: one syncfs(), not one flush per file.
    void sync();
    // Moves the items out under the first free name from each one's wish on (the names found
    // when the person was asked may have been taken since), syncs the target folder, removes the
    // staging folder, and returns the names used, in order.
    std::vector<std::string> commit(const std::vector<msg::offer_item>& items);

    [[nodiscard]] const std::string& name() const { return name_; }

  private:
    // The folder holding `path`'s last component, opened component by component; the last
    // component in `leaf`. The fds of the folders last walked stay open for the next entry.
    int parent_of(const std::string& path, std::string& leaf);
    void close_stack();
    [[noreturn]] void fail(const std::string& path, const char* doing, int err) const;
    [[noreturn]] void fail_at(int at, const std::string& leaf, const std::string& path,
                              const char* doing, int err) const;
    void undo(const std::vector<std::pair<std::string, std::string>>& moved);

    std::filesystem::path target_;
    std::string shown_;
    int target_fd_ = -1;
    int root_fd_ = -1;
    std::string name_;  // of the staging folder in the target folder
    // The open folders of the last parent walked: (path, fd), each the parent of the next.
    std::vector<std::pair<std::string, int>> stack_;
    bool committed_ = false;
    bool owned_ = true;  // the staging folder is ours to remove
};

// Throws failure(local_io) unless the filesystem of the folder `dir_fd` can rename without
// replacing (renameat2 RENAME_NOREPLACE), which commit() needs: checked before the person
// accepts, not after the data came. Tries it on a folder "probe" it makes in `dir_fd`.
void require_no_replace(int dir_fd, const std::string& shown);

// Whether the folder `dir_fd` has an entry named exactly `name` (byte for byte, whatever the
// filesystem thinks of case); true when it cannot tell.
bool has_exactly(int dir_fd, const std::string& name);

// Removes `name` in the folder `dir_fd`, and everything below it if it is a folder, without
// following any symlink. Best effort: returns false if something could not be removed.
bool remove_below(int dir_fd, const std::string& name);

// The first of `name`, "name (1)" (a folder) or numbered_name() (a file), ... free in `dir`.
std::string first_free_item_name(const std::filesystem::path& dir, const std::string& name,
                                 msg::entry_type type);

}  // namespace ferry::receiver
