#include "receiver/staging_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "receiver/numbered_name.hpp"
#include "receiver/random_name.hpp"

namespace ferry::receiver {

namespace {

constexpr int max_numbered = 10'000;
constexpr std::size_t remove_chunk = 4096;
constexpr int open_folder = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

std::vector<std::string> components(const std::string& path) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const auto slash = path.find('/', start);
        out.push_back(path.substr(start, slash == std::string::npos ? slash : slash - start));
        if (slash == std::string::npos) return out;
        start = slash + 1;
    }
}

timespec to_timespec(std::int64_t ns) {
    constexpr std::int64_t billion = 1'000'000'000;
    auto sec = ns / billion;
    auto rest = ns % billion;
    if (rest < 0) {
        rest += billion;
        --sec;
    }
    return timespec{static_cast<time_t>(sec), static_cast<long>(rest)};
}

struct dir_closer {
    void operator()(DIR* d) const { ::closedir(d); }
};

}  // namespace

staging_tree::staging_tree(const std::filesystem::path& target_dir)
    : target_(target_dir), shown_(printable(target_dir.string())) {
    target_fd_ = ::open(target_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (target_fd_ < 0) {
        throw failure(exit_code::local_io,
                      fmt::format("cannot open the folder {}: {}", shown_, std::strerror(errno)));
    }
    for (int attempt = 0; attempt < 16 && root_fd_ < 0; ++attempt) {
        name_ = ".ferry-" + random_hex("the staging folder");
        if (::mkdirat(target_fd_, name_.c_str(), 0700) != 0) {
            if (errno == EEXIST) continue;
            const int err = errno;
            ::close(target_fd_);
            throw failure(exit_code::local_io, fmt::format("cannot create a folder in {}: {}",
                                                           shown_, std::strerror(err)));
        }
        root_fd_ = ::openat(target_fd_, name_.c_str(), open_folder);
        if (root_fd_ < 0) {
            const int err = errno;
            ::unlinkat(target_fd_, name_.c_str(), AT_REMOVEDIR);  // ours, and empty
            ::close(target_fd_);
            throw failure(exit_code::local_io, fmt::format("cannot create a folder in {}: {}",
                                                           shown_, std::strerror(err)));
        }
    }
    if (root_fd_ < 0) {
        ::close(target_fd_);
        throw failure(exit_code::local_io,
                      fmt::format("cannot create a folder in {}: every name tried exists", shown_));
    }
    try {
        require_no_replace(root_fd_, shown_);
    } catch (const failure&) {
        ::close(root_fd_);
        remove_below(target_fd_, name_);
        ::close(target_fd_);
        throw;
    }
}

staging_tree::staging_tree(const std::filesystem::path& target_dir, int root_fd)
    : target_(target_dir),
      shown_(printable(target_dir.string())),
      root_fd_(root_fd),
      owned_(false) {
    target_fd_ = ::open(target_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (target_fd_ < 0) {
        const int err = errno;
        ::close(root_fd_);
        throw failure(exit_code::local_io,
                      fmt::format("cannot open the folder {}: {}", shown_, std::strerror(err)));
    }
}

void require_no_replace(int dir_fd, const std::string& shown) {
    int err = 0;
    if (::mkdirat(dir_fd, "probe", 0700) != 0) {
        err = errno;
    } else if (::renameat2(dir_fd, "probe", dir_fd, "probe-renamed", RENAME_NOREPLACE) != 0) {
        err = errno;
        ::unlinkat(dir_fd, "probe", AT_REMOVEDIR);
    } else {
        ::unlinkat(dir_fd, "probe-renamed", AT_REMOVEDIR);
    }
    if (err == 0) return;
    throw failure(
        exit_code::local_io,
        fmt::format("cannot receive folders into {}: its filesystem cannot rename without "
                    "replacing (renameat2 RENAME_NOREPLACE: {})",
                    shown, std::strerror(err)));
}

staging_tree::~staging_tree() {
    close_stack();
    if (root_fd_ >= 0) ::close(root_fd_);
    if (!committed_ && owned_) remove_below(target_fd_, name_);
    ::close(target_fd_);
}

void staging_tree::close_stack() {
    for (auto& level : stack_)
        ::close(level.second);
    stack_.clear();
}

int staging_tree::parent_of(const std::string& path, std::string& leaf) {
    auto parts = components(path);
    leaf = std::move(parts.back());
    parts.pop_back();
    std::size_t same = 0;
    while (same < stack_.size() && same < parts.size() && stack_[same].first == parts[same]) {
        ++same;
    }
    while (stack_.size() > same) {
        ::close(stack_.back().second);
        stack_.pop_back();
    }
    for (auto i = same; i < parts.size(); ++i) {
        const int at = stack_.empty() ? root_fd_ : stack_.back().second;
        const int fd = ::openat(at, parts[i].c_str(), open_folder);
        if (fd < 0) {
            int err = errno;
            struct stat st {};
            if (err != ENOENT && ::fstatat(at, parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
                if (S_ISLNK(st.st_mode))
                    err = ELOOP;
                else if (!S_ISDIR(st.st_mode))
                    err = ENOTDIR;
            }
            fail(path, "open the folder of", err);
        }
        stack_.emplace_back(parts[i], fd);
    }
    return stack_.empty() ? root_fd_ : stack_.back().second;
}

void staging_tree::make_folder(const std::string& path) {
    std::string leaf;
    const int at = parent_of(path, leaf);
    if (::mkdirat(at, leaf.c_str(), 0777) != 0) fail_at(at, leaf, path, "create the folder", errno);
}

bool staging_tree::make_symlink(const std::string& path, const std::string& target) {
    std::string leaf;
    const int at = parent_of(path, leaf);
    if (::symlinkat(target.c_str(), at, leaf.c_str()) == 0) return true;
    // vfat, exFAT and the like have no symlinks: the link is left out, not the whole tree.
    if (errno == EPERM || errno == EOPNOTSUPP) return false;
    fail_at(at, leaf, path, "create the link", errno);
}

int staging_tree::create_file(const std::string& path) {
    std::string leaf;
    const int at = parent_of(path, leaf);
    const int fd =
        ::openat(at, leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) fail_at(at, leaf, path, "create the file", errno);
    return fd;
}

void staging_tree::close_file(int fd, const std::string& path, std::uint16_t mode,
                              std::int64_t mtime_ns) {
    int err = 0;
    struct stat st {};
    if ((mode & 0111U) != 0 && ::fstat(fd, &st) == 0) {
        if (::fchmod(fd, (st.st_mode & 0777U) | ((st.st_mode & 0444U) >> 2U)) != 0) err = errno;
    }
    const std::array<timespec, 2> times{timespec{0, UTIME_OMIT}, to_timespec(mtime_ns)};
    if (err == 0 && ::futimens(fd, times.data()) != 0) err = errno;
    if (::close(fd) != 0 && err == 0) err = errno;
    if (err != 0) fail(path, "finish the file", err);
}

void staging_tree::sync() {
    if (::syncfs(root_fd_) != 0) {
        throw failure(exit_code::local_io, fmt::format("cannot write the files to disk in {}: {}",
                                                       shown_, std::strerror(errno)));
    }
}

std::vector<std::string> staging_tree::commit(const std::vector<msg::offer_item>& items) {
    close_stack();
    std::vector<std::pair<std::string, std::string>> moved;
    for (const auto& item : items) {
        auto candidate = first_free_item_name(target_, item.name, item.type);
        for (int n = 1;; ++n) {
            if (::renameat2(root_fd_, item.name.c_str(), target_fd_, candidate.c_str(),
                            RENAME_NOREPLACE) == 0) {
                break;
            }
            const int err = errno;
            if (err != EEXIST || n > max_numbered) {
                undo(moved);
                throw failure(exit_code::local_io,
                              fmt::format("cannot move '{}' into {}: {}", printable(candidate),
                                          shown_, std::strerror(err)));
            }
            candidate = first_free_item_name(target_, item.name, item.type);
        }
        moved.emplace_back(item.name, candidate);
    }
    if (::fsync(target_fd_) != 0) {
        const int err = errno;
        undo(moved);
        throw failure(exit_code::local_io,
                      fmt::format("cannot sync the folder {}: {}", shown_, std::strerror(err)));
    }
    committed_ = true;
    if (owned_) ::unlinkat(target_fd_, name_.c_str(), AT_REMOVEDIR);  // empty now
    std::vector<std::string> names;
    names.reserve(moved.size());
    for (auto& m : moved)
        names.push_back(std::move(m.second));
    return names;
}

// Puts what was moved back into the staging folder, which the destructor then removes.
void staging_tree::undo(const std::vector<std::pair<std::string, std::string>>& moved) {
    for (const auto& [staged, final_name] : moved) {
        ::renameat2(target_fd_, final_name.c_str(), root_fd_, staged.c_str(), RENAME_NOREPLACE);
    }
}

// EEXIST where no entry of exactly that name is in the folder: a filesystem that ignores case
// (vfat, exFAT, casefold ext4) took "README" and "Readme" for one name. Not the sender's fault.
void staging_tree::fail_at(int at, const std::string& leaf, const std::string& path,
                           const char* doing, int err) const {
    if (err == EEXIST && !has_exactly(at, leaf)) {
        throw failure(exit_code::local_io,
                      fmt::format("cannot save '{}' in {}: its filesystem does not tell it from "
                                  "another name that differs only in case; nothing was saved",
                                  printable(path), shown_));
    }
    fail(path, doing, err);
}

bool has_exactly(int dir_fd, const std::string& name) {
    const int fd = ::openat(dir_fd, ".", open_folder);
    if (fd < 0) return true;  // cannot tell: the plain duplicate message
    std::unique_ptr<DIR, dir_closer> dir(::fdopendir(fd));
    if (!dir) {
        ::close(fd);
        return true;
    }
    while (const auto* d = ::readdir(dir.get())) {
        if (name == d->d_name) return true;
    }
    return false;
}

void staging_tree::fail(const std::string& path, const char* doing, int err) const {
    const auto shown = printable(path);
    switch (err) {
        case EEXIST:
            throw failure(exit_code::network,
                          fmt::format("the sender sent '{}' twice; nothing was saved", shown));
        case ENOENT:
            throw failure(
                exit_code::network,
                fmt::format("the sender sent '{}' before its folder; nothing was saved", shown));
        case ELOOP:
            throw failure(
                exit_code::network,
                fmt::format("the sender sent '{}' below a symlink; nothing was saved", shown));
        case ENOTDIR:
            throw failure(
                exit_code::network,
                fmt::format("the sender sent '{}' below a file; nothing was saved", shown));
        default:
            throw failure(exit_code::local_io, fmt::format("cannot {} {} in {}: {}", doing, shown,
                                                           shown_, std::strerror(err)));
    }
}

bool remove_below(int dir_fd, const std::string& name) {
    if (::unlinkat(dir_fd, name.c_str(), 0) == 0) return true;
    if (errno != EISDIR && errno != EPERM) return errno == ENOENT;
    const int fd = ::openat(dir_fd, name.c_str(), open_folder);
    if (fd < 0) return false;
    std::unique_ptr<DIR, dir_closer> dir(::fdopendir(fd));
    if (!dir) {
        ::close(fd);
        return false;
    }
    // Names in bounded chunks (a folder may hold a million), each read before any is removed so
    // that readdir never runs over a changing folder; until a pass removes nothing.
    bool all = true;
    for (bool removed = true; removed;) {
        removed = false;
        std::vector<std::string> names;
        ::rewinddir(dir.get());
        while (const auto* d = ::readdir(dir.get())) {
            const std::string_view n = d->d_name;
            if (n != "." && n != "..") names.emplace_back(n);
            if (names.size() == remove_chunk) break;
        }
        for (const auto& n : names) {
            const bool ok = remove_below(::dirfd(dir.get()), n);
            removed = removed || ok;
            all = all && ok;
        }
    }
    dir.reset();
    return ::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) == 0 && all;
}

std::string first_free_item_name(const std::filesystem::path& dir, const std::string& name,
                                 msg::entry_type type) {
    return first_taken_name(
        name,
        [&dir](const std::string& candidate) {
            struct stat st {};
            return ::fstatat(AT_FDCWD, (dir / candidate).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 &&
                   errno == ENOENT;
        },
        type == msg::entry_type::folder);
}

}  // namespace ferry::receiver
