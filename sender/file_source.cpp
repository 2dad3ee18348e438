#include "sender/file_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/exit_code.hpp"
#include "common/text.hpp"

namespace ferry::sender {

file_source::file_source(const std::filesystem::path& path)
    : name_(path.filename().string()), shown_path_(printable(path.string())) {
    // O_NONBLOCK so that opening a FIFO cannot hang before the type check below.
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd_ < 0) {
        throw failure(exit_code::local_io,
                      fmt::format("cannot open {}: {}", shown_path_, std::strerror(errno)));
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
        const int err = errno;
        ::close(fd_);
        throw failure(exit_code::local_io,
                      fmt::format("cannot read {}: {}", shown_path_, std::strerror(err)));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd_);
        throw failure(
            exit_code::usage,
            fmt::format("{} is not a regular file; ferry sends one file at a time", shown_path_));
    }
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    size_ = static_cast<std::uint64_t>(st.st_size);
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
}

file_source::~file_source() {
    if (fd_ >= 0) ::close(fd_);
}

std::size_t file_source::read(mutable_byte_span into) {
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(into.size(), size_ - offset_));
    std::size_t got = 0;
    while (got < want) {
        const auto n = ::read(fd_, into.data() + got, want - got);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw failure(exit_code::local_io,
                          fmt::format("cannot read {}: {}", shown_path_, std::strerror(errno)));
        }
        if (n == 0) {
            throw failure(exit_code::local_io,
                          fmt::format("{} shrank while it was being sent", shown_path_));
        }
        got += static_cast<std::size_t>(n);
    }
    offset_ += got;
    return got;
}

}  // namespace ferry::sender
