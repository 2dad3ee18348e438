#include "sender/tree_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "common/wire/record_format.hpp"

namespace ferry::sender {

namespace {

constexpr std::size_t length_size = 4;
constexpr std::size_t min_data_room = 64 * 1024;  // a smaller DATA record waits for the next batch

std::int64_t mtime_ns(const struct stat& st) {
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

bool same_time(const timespec& a, const timespec& b) {
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

// length | payload at the start of `into`, if it fits; the bytes used, or 0.
std::size_t put_record(mutable_byte_span into, byte_span payload) {
    if (length_size + payload.size() > into.size()) return 0;
    put_u32(into.data(), static_cast<std::uint32_t>(payload.size()));
    std::copy(payload.begin(), payload.end(), into.begin() + length_size);
    return length_size + payload.size();
}

}  // namespace

tree_reader::~tree_reader() {
    if (fd_ >= 0) ::close(fd_);
}

std::size_t tree_reader::fill(mutable_byte_span into) {
    std::size_t used = 0;
    for (;;) {
        const auto room = into.subspan(used);
        std::size_t n = 0;
        if (file_ == nullptr) {
            if (next_ == plan_.entries.size()) return used;
            n = put_entry(room);
        } else if (offset_ < file_->size) {
            n = put_data(room);
        } else {
            n = put_file_end(room);
        }
        if (n == 0) return used;  // the batch is full
        used += n;
    }
}

std::size_t tree_reader::put_entry(mutable_byte_span into) {
    const auto& e = plan_.entries[next_];
    const msg::message m = msg::entry{e.type, e.mode, e.mtime_ns, e.size, e.path, e.target};
    const auto payload = msg::encode(m);
    const auto n = put_record(into, payload);
    if (n == 0) return 0;
    ++next_;
    if (e.type == msg::entry_type::file) open_file(e);
    return n;
}

void tree_reader::compress_with(int setting) {
    packer_.emplace(setting);
    chunk_.resize(data_chunk_size);
}

// Reads straight into the batch, behind the record's length and type byte, unless the chunk is
// for the packer.
std::size_t tree_reader::put_data(mutable_byte_span into) {
    if (into.size() < data_header_size + min_data_room) return 0;
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(
        {into.size() - data_header_size, data_chunk_size, file_->size - offset_}));
    if (packer_ && packer_->try_next(n)) return put_packed(into, n);
    read_exactly(into.data() + data_header_size, n);
    if (digests_ == nullptr) hash_.update(into.subspan(data_header_size, n));
    put_data_header(into.data(), n);
    return data_header_size + n;
}

std::size_t tree_reader::put_packed(mutable_byte_span into, std::size_t n) {
    const auto chunk = mutable_byte_span(chunk_).first(n);
    read_exactly(chunk.data(), n);
    if (digests_ == nullptr) hash_.update(chunk);
    return packer_->put(chunk, into);
}

std::size_t tree_reader::put_file_end(mutable_byte_span into) {
    if (into.size() < length_size + 1 + 32) return 0;
    // The last check, before FILE_END can go: the file is still what was read.
    struct stat now {};
    if (::fstat(fd_, &now) != 0) changed("could not be checked");
    if (now.st_size != opened_.st_size || !same_time(now.st_mtim, opened_.st_mtim) ||
        !same_time(now.st_ctim, opened_.st_ctim)) {
        changed("changed");
    }
    const auto digest =
        digests_ != nullptr ? digests_->digest(file_->index, identity_of(now)) : hash_.finish();
    const msg::message m = msg::file_end{digest};
    const auto n = put_record(into, msg::encode(m));
    close_file();
    return n;
}

void tree_reader::open_file(const planned_entry& e) {
    file_ = &e;
    offset_ = 0;
    hash_.reset();
    if (packer_) packer_->start_file();
    const auto path = plan_.local_path(e);
    // O_NONBLOCK: should a FIFO have taken the file's place, opening it must not hang.
    // A top-level item was named on the command line: followed, like there (the dev/ino check
    // below still catches another file in its place). Below it, a link is never followed.
    const bool top_level = e.named;
    fd_ = ::open(path.c_str(), O_RDONLY | (top_level ? 0 : O_NOFOLLOW) | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) {
        if (errno == ENOENT) changed("was removed");
        throw failure(exit_code::local_io,
                      fmt::format("cannot open {}: {}", printable(e.path), std::strerror(errno)));
    }
    if (::fstat(fd_, &opened_) != 0 || !S_ISREG(opened_.st_mode) || opened_.st_dev != e.dev ||
        opened_.st_ino != e.ino || static_cast<std::uint64_t>(opened_.st_size) != e.size ||
        mtime_ns(opened_) != e.mtime_ns) {
        changed("changed");
    }
    if (e.size > data_chunk_size) ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    if (digests_ != nullptr) digests_->want(e.index);
}

void tree_reader::read_exactly(std::uint8_t* to, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
        const auto r = ::pread(fd_, to + got, n - got, static_cast<off_t>(offset_ + got));
        if (r < 0) {
            if (errno == EINTR) continue;
            throw failure(
                exit_code::local_io,
                fmt::format("cannot read {}: {}", printable(file_->path), std::strerror(errno)));
        }
        if (r == 0) changed("shrank");
        got += static_cast<std::size_t>(r);
    }
    offset_ += n;
}

void tree_reader::close_file() {
    ::close(fd_);
    fd_ = -1;
    file_ = nullptr;
}

void tree_reader::changed(const char* how) const {
    throw failure(exit_code::local_io,
                  fmt::format("{} {} while it was being sent; the transfer stopped and nothing "
                              "was saved on the other side: send again",
                              printable(file_->path), how));
}

}  // namespace ferry::sender
