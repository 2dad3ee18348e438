#include "sender/kept_check.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/transfer/kept_entry.hpp"

namespace ferry::sender {

namespace {

constexpr std::size_t step_bytes = std::size_t{4} << 20U;
constexpr msg::digest no_digest{};

std::int64_t mtime_ns(const struct stat& st) {
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

std::vector<std::uint8_t> entry_wire(const planned_entry& e) {
    const msg::message m = msg::entry{e.type, e.mode, e.mtime_ns, e.size, e.path, e.target};
    return msg::encode(m);
}

}  // namespace

kept_check::kept_check(const tree_plan& plan, std::vector<msg::digest> theirs)
    : plan_(plan), theirs_(std::move(theirs)) {}

kept_check::~kept_check() {
    close_file();
}

bool kept_check::step() {
    while (!stopped_ && matched_ < theirs_.size() && matched_ < plan_.entries.size()) {
        const auto& e = plan_.entries[matched_];
        if (e.type != msg::entry_type::file) {
            next(no_digest);
            continue;
        }
        if (fd_ < 0 && !open_file(e)) {
            stopped_ = true;
            break;
        }
        if (buffer_.empty()) buffer_.resize(step_bytes);
        const auto want =
            static_cast<std::size_t>(std::min<std::uint64_t>(step_bytes, e.size - offset_));
        if (want > 0) {
            const auto n = ::pread(fd_, buffer_.data(), want, static_cast<off_t>(offset_));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {  // unreadable or shorter than planned: the reader says why, later
                stopped_ = true;
                break;
            }
            hash_.update(byte_span(buffer_).first(static_cast<std::size_t>(n)));
            offset_ += static_cast<std::uint64_t>(n);
            if (offset_ < e.size) return false;
        }
        close_file();
        next(hash_.finish());
        if (want > 0) return stopped_ || matched_ == theirs_.size();
    }
    return true;
}

// The entry matched_ hashed (`file_digest` for a file): kept if the receiver's value is ours.
void kept_check::next(const msg::digest& file_digest) {
    const auto& e = plan_.entries[matched_];
    if (transfer::kept_value(entry_wire(e), file_digest) != theirs_[matched_]) {
        stopped_ = true;
        return;
    }
    if (e.type == msg::entry_type::file) {
        digests_.push_back(file_digest);
        bytes_ += e.size;
    }
    ++matched_;
}

// As tree_reader opens a file to send: the one the walk found, or the check stops here.
bool kept_check::open_file(const planned_entry& e) {
    const auto path = plan_.local_path(e);
    const bool top_level = e.named;
    fd_ = ::open(path.c_str(), O_RDONLY | (top_level ? 0 : O_NOFOLLOW) | O_NONBLOCK | O_CLOEXEC);
    struct stat st {};
    if (fd_ < 0 || ::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode) || st.st_dev != e.dev ||
        st.st_ino != e.ino || static_cast<std::uint64_t>(st.st_size) != e.size ||
        mtime_ns(st) != e.mtime_ns) {
        close_file();
        return false;
    }
    offset_ = 0;
    hash_.reset();
    return true;
}

void kept_check::close_file() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

}  // namespace ferry::sender
