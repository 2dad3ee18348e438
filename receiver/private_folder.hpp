#pragma once

#include <string>

namespace ferry::receiver {

// Where interrupted transfers keep their data in the target folder: ".ferry-partial-<id>".
inline constexpr const char* partial_prefix = ".ferry-partial-";

// Opens the folder `name` in `dir_fd` (made 0700 if it is not there) for a partial transfer and
// locks it (flock) against a second receive of the same transfer. Only a private folder of this
// user is used: another user could have prepared one under the same predictable name in a
// shared folder. Throws failure(local_io); `shown_dir` names `dir_fd` in messages.
int open_private_folder(int dir_fd, const std::string& name, const std::string& shown_dir);

}  // namespace ferry::receiver
