#pragma once

#include <filesystem>
#include <string>

#include "receiver/partial_state.hpp"

namespace ferry::receiver {

// Where interrupted transfers keep their data in the target folder: ".ferry-partial-<id>".
inline constexpr const char* partial_prefix = ".ferry-partial-";

// Opens the folder `name` in `dir_fd` (made 0700 if it is not there) for a partial transfer and
// locks it (flock) against a second receive of the same transfer. Only a private folder of this
// user is used: another user could have prepared one under the same predictable name in a
// shared folder. Throws failure(local_io); `shown_dir` names `dir_fd` in messages.
int open_private_folder(int dir_fd, const std::string& name, const std::string& shown_dir);

// ".ferry-partial-" and the first 12 bytes of the transfer id in hex.
std::string partial_folder_name(const transfer_id& id);

// The target folder and, in it, one transfer's partial folder (open_private_folder, locked), both
// open for as long as this lives. Throws failure(local_io).
struct partial_folder {
    partial_folder(const std::filesystem::path& dir, std::string folder);
    ~partial_folder();
    partial_folder(const partial_folder&) = delete;
    partial_folder& operator=(const partial_folder&) = delete;

    std::string shown_dir;  // the target folder, printable
    std::string name;       // of the partial folder in it
    int dir_fd = -1;
    int fd = -1;
};

}  // namespace ferry::receiver
