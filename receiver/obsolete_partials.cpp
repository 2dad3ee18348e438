#include "receiver/obsolete_partials.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "receiver/private_folder.hpp"
#include "receiver/staging_tree.hpp"
#include "receiver/tree_journal.hpp"

namespace ferry::receiver {

namespace {

std::vector<std::string> partials_in(int dir_fd) {
    std::vector<std::string> out;
    const int list_fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* d = list_fd < 0 ? nullptr : ::fdopendir(list_fd);
    if (d == nullptr) {
        if (list_fd >= 0) ::close(list_fd);
        return out;
    }
    while (const dirent* e = ::readdir(d)) {
        if (std::string_view(e->d_name).starts_with(partial_prefix)) out.emplace_back(e->d_name);
    }
    ::closedir(d);
    return out;
}

bool private_of_this_user(int fd) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() &&
           (st.st_mode & 077U) == 0;
}

// Every item its journal names is one of `items`, and there is one.
bool kept_only_these(int fd, const std::vector<msg::offer_item>& items) {
    const auto names = journal_items(fd);
    return !names.empty() && std::all_of(names.begin(), names.end(), [&](const auto& n) {
        return std::any_of(items.begin(), items.end(), [&](const auto& i) { return i.name == n; });
    });
}

}  // namespace

void remove_obsolete_partials(int dir_fd, const std::string& own,
                              const std::vector<msg::offer_item>& items) {
    for (const auto& name : partials_in(dir_fd)) {
        if (name == own) continue;
        const int fd =
            ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) continue;  // not a folder: not ours
        if (private_of_this_user(fd) && ::flock(fd, LOCK_EX | LOCK_NB) == 0 &&
            kept_only_these(fd, items)) {
            remove_below(dir_fd, name);  // still locked: no receive starts in it meanwhile
        }
        ::close(fd);
    }
}

}  // namespace ferry::receiver
