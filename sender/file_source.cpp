#include "sender/file_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "sender/background_reader.hpp"

namespace ferry::sender {

namespace {

bool same_time(const timespec& a, const timespec& b) {
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

}  // namespace

file_source::file_source(const std::filesystem::path& path, cached_reads cached)
    : name_(path.filename().string()),
      shown_path_(printable(path.string())),
      try_cached_(cached == cached_reads::on_caller_thread) {
    // O_NONBLOCK so that opening a FIFO cannot hang before the type check below.
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd_ < 0) {
        throw failure(exit_code::local_io,
                      fmt::format("cannot open {}: {}", shown_path_, std::strerror(errno)));
    }
    if (::fstat(fd_, &opened_) != 0) {
        const int err = errno;
        ::close(fd_);
        throw failure(exit_code::local_io,
                      fmt::format("cannot read {}: {}", shown_path_, std::strerror(err)));
    }
    if (!S_ISREG(opened_.st_mode)) {
        ::close(fd_);
        throw failure(
            exit_code::usage,
            fmt::format("{} is not a regular file; ferry sends one file at a time", shown_path_));
    }
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    size_ = static_cast<std::uint64_t>(opened_.st_size);
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
}

file_source::~file_source() {
    reader_.reset();  // first: its thread may still be reading fd_
    if (fd_ >= 0) ::close(fd_);
}

std::size_t file_source::read(mutable_byte_span into) {
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(into.size(), size_ - offset_));
    std::size_t got = 0;
    while (got < want) {
        const auto n =
            ::pread(fd_, into.data() + got, want - got, static_cast<off_t>(offset_ + got));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw failure(exit_code::local_io,
                          fmt::format("cannot read {}: {}", shown_path_, std::strerror(errno)));
        }
        if (n == 0) changed();  // it ends before the size it had at open
        got += static_cast<std::size_t>(n);
    }
    offset_ += got;
    // Here, in the read that returns the last bytes, so before the caller can send DONE.
    if (offset_ == size_) check_unchanged();
    return got;
}

awaitable<std::size_t> file_source::read_async(mutable_byte_span into) {
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(into.size(), size_ - offset_));
    const auto got = read_cached(into.first(want));
    if (got == want && offset_ < size_) co_return got;
    // The rest, or only the final check (fstat can wait on a network filesystem), on the
    // reader's thread.
    const auto rest = into.subspan(got, want - got);
    const auto more = co_await reader().read(rest);
    co_return got + more;
}

// What the page cache has of `into`, read without waiting for the disk (RWF_NOWAIT); 0 if
// nothing, and then the reader's thread reads it. Errors other than a shrunk file are left to
// that blocking read, which reports them.
std::size_t file_source::read_cached(mutable_byte_span into) {
    if (!try_cached_ || into.empty()) return 0;
    iovec io{into.data(), into.size()};
    for (;;) {
        const auto n = ::preadv2(fd_, &io, 1, static_cast<off_t>(offset_), RWF_NOWAIT);
        if (n > 0) {
            offset_ += static_cast<std::uint64_t>(n);
            return static_cast<std::size_t>(n);
        }
        if (n == 0) changed();
        if (errno == EINTR) continue;
        if (errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL) try_cached_ = false;
        return 0;
    }
}

background_reader& file_source::reader() {
    if (!reader_) {
        reader_ = std::make_unique<background_reader>(
            [this](mutable_byte_span into) { return read(into); });
    }
    return *reader_;
}

void file_source::check_unchanged() const {
    struct stat now {};
    if (::fstat(fd_, &now) != 0) {
        throw failure(exit_code::local_io,
                      fmt::format("cannot read {}: {}", shown_path_, std::strerror(errno)));
    }
    // Any write moves mtime (ctime too, even when mtime is set back by hand); the size catches a
    // file that grew, whose new bytes the reads never reach.
    if (now.st_dev != opened_.st_dev || now.st_ino != opened_.st_ino ||
        now.st_size != opened_.st_size || !same_time(now.st_mtim, opened_.st_mtim) ||
        !same_time(now.st_ctim, opened_.st_ctim)) {
        changed();
    }
}

void file_source::changed() const {
    throw failure(exit_code::local_io,
                  fmt::format("{} changed while it was being sent; nothing was saved on the other "
                              "side, send it again",
                              printable(name_)));
}

std::string file_source::describe() const {
    return fmt::format("'{}' ({})", printable(name_), format_size(size_));
}

}  // namespace ferry::sender
