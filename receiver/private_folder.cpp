#include "receiver/private_folder.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/crypto/sha256.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "receiver/io_failure.hpp"

namespace ferry::receiver {

namespace {

void check_private(int fd, const std::string& shown) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) io_failure(fmt::format("cannot use {}", shown), errno);
    if (st.st_uid != ::geteuid() || (st.st_mode & 077U) != 0) {
        throw failure(exit_code::local_io,
                      fmt::format("cannot use {}: it is not a private folder of this user; "
                                  "remove it and try again",
                                  shown));
    }
}

}  // namespace

int open_private_folder(int dir_fd, const std::string& name, const std::string& shown_dir) {
    const auto shown = fmt::format("{}/{}", shown_dir, name);
    if (::mkdirat(dir_fd, name.c_str(), 0700) != 0 && errno != EEXIST) {
        io_failure(fmt::format("cannot create a folder in {}", shown_dir), errno);
    }
    const int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) io_failure(fmt::format("cannot use {}", shown), errno);
    try {
        check_private(fd, shown);
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            if (errno == EWOULDBLOCK) {
                throw failure(exit_code::local_io,
                              fmt::format("another ferry receive is writing this transfer into {}",
                                          shown_dir));
            }
            io_failure(fmt::format("cannot use {}", shown), errno);
        }
    } catch (...) {
        ::close(fd);
        throw;
    }
    return fd;
}

std::string partial_folder_name(const transfer_id& id) {
    return partial_prefix + to_hex(byte_span(id).first(12));
}

partial_folder::partial_folder(const std::filesystem::path& dir, std::string folder)
    : shown_dir(printable(dir.string())), name(std::move(folder)) {
    dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) io_failure(fmt::format("cannot open the folder {}", shown_dir), errno);
    try {
        fd = open_private_folder(dir_fd, name, shown_dir);
    } catch (...) {  // the destructor does not run for a constructor that throws
        ::close(dir_fd);
        throw;
    }
}

partial_folder::~partial_folder() {
    if (fd >= 0) ::close(fd);
    ::close(dir_fd);
}

}  // namespace ferry::receiver
