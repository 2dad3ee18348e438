#include "receiver/safe_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "receiver/io_failure.hpp"
#include "receiver/numbered_name.hpp"
#include "receiver/random_name.hpp"

namespace ferry::receiver {

safe_file::safe_file(const std::filesystem::path& dir, mode m, disk_writer::mode w,
                     sync_function sync_dir)
    : dir_(dir), sync_dir_(sync_dir) {
    dir_fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd_ < 0)
        io_failure(fmt::format("cannot open the folder {}", printable(dir.string())), errno);
    // An unnamed file is named later through /proc/self/fd: without /proc, use a named one.
    if (m == mode::automatic && ::access("/proc/self/fd", X_OK) == 0) {
        fd_ = ::openat(dir_fd_, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
        if (fd_ < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL &&
            errno != ENOENT) {
            const int err = errno;
            ::close(dir_fd_);
            io_failure(fmt::format("cannot create a file in {}", printable(dir.string())), err);
        }
    }
    for (int attempt = 0; attempt < 16 && fd_ < 0; ++attempt) {  // no O_TMPFILE here
        try {
            temp_name_ = ".ferry-" + random_hex("the file being received") + ".part";
        } catch (...) {
            ::close(dir_fd_);  // the destructor does not run for a constructor that throws
            throw;
        }
        fd_ = ::openat(dir_fd_, temp_name_.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);
        if (fd_ < 0 && errno != EEXIST) break;
    }
    if (fd_ < 0) {
        const int err = errno;
        ::close(dir_fd_);
        io_failure(fmt::format("cannot create a file in {}", printable(dir.string())), err);
    }
    try {
        writer_ = std::make_unique<disk_writer>(fd_, printable(dir.string()), w);
    } catch (...) {
        release();  // the destructor does not run for a constructor that throws
        throw;
    }
}

safe_file::~safe_file() {
    release();
}

void safe_file::release() {
    writer_.reset();
    if (fd_ >= 0) ::close(fd_);
    if (!committed_ && !temp_name_.empty()) ::unlinkat(dir_fd_, temp_name_.c_str(), 0);
    if (dir_fd_ >= 0) ::close(dir_fd_);
    fd_ = dir_fd_ = -1;
}

bool safe_file::try_link(const std::string& name) {
    if (temp_name_.empty()) {
        const auto proc = fmt::format("/proc/self/fd/{}", fd_);
        if (::linkat(AT_FDCWD, proc.c_str(), dir_fd_, name.c_str(), AT_SYMLINK_FOLLOW) == 0)
            return true;
    } else {
        if (::renameat2(dir_fd_, temp_name_.c_str(), dir_fd_, name.c_str(), RENAME_NOREPLACE) ==
            0) {
            return true;
        }
        if (errno == EINVAL || errno == ENOSYS) {  // no RENAME_NOREPLACE here: link cannot replace
            if (::linkat(dir_fd_, temp_name_.c_str(), dir_fd_, name.c_str(), 0) == 0) {
                ::unlinkat(dir_fd_, temp_name_.c_str(), 0);
                return true;
            }
        }
    }
    if (errno == EEXIST) return false;
    io_failure(fmt::format("cannot save {}", printable(name)), errno);
}

std::string safe_file::commit(std::string_view name) {
    if (!writer_->finished()) writer_->finish();
    if (::fdatasync(fd_) != 0) io_failure("cannot flush the received file to disk", errno);
    auto saved = first_taken_name(name, [this](const std::string& n) { return try_link(n); });
    committed_ = true;
    sync_folder(saved);
    return saved;
}

// The new name is on disk only once the folder is synced. If that fails the file would count as
// saved, yet a crash could lose it: the name is removed again (the data goes with the last
// descriptor) and the transfer fails like any other local error, so that both sides agree that
// nothing was saved, rather than saying "saved" of a file that may not be there tomorrow.
void safe_file::sync_folder(const std::string& name) {
    if (sync_dir_(dir_fd_) == 0) return;
    const int err = errno;
    const bool removed = ::unlinkat(dir_fd_, name.c_str(), 0) == 0;
    throw failure(exit_code::local_io,
                  fmt::format("cannot save {}: the folder could not be synced to disk ({}); {}",
                              printable(name), std::strerror(err),
                              removed ? "nothing was kept"
                                      : "it is in the folder but may be lost after a crash"));
}

std::string first_free_name(const std::filesystem::path& dir, std::string_view name) {
    return first_taken_name(name, [&dir](const std::string& candidate) {
        struct stat st {};
        return ::fstatat(AT_FDCWD, (dir / candidate).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 &&
               errno == ENOENT;
    });
}

std::uint64_t free_space(const std::filesystem::path& dir) {
    struct statvfs st {};
    if (::statvfs(dir.c_str(), &st) != 0) {
        io_failure(fmt::format("cannot check the free space in {}", printable(dir.string())),
                   errno);
    }
    return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

}  // namespace ferry::receiver
