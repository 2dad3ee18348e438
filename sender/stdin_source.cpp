#include "sender/stdin_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"

namespace ferry::sender {

namespace {

[[noreturn]] void cannot_read(int err) {
    throw failure(exit_code::local_io,
                  fmt::format("cannot read standard input: {}", std::strerror(err)));
}

// One read(2) of a regular file on standard input; runs on the reader's thread.
std::size_t read_some(mutable_byte_span into) {
    for (;;) {
        const auto n = ::read(STDIN_FILENO, into.data(), into.size());
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno != EINTR) cannot_read(errno);
    }
}

}  // namespace

stdin_source::stdin_source() {
    struct stat st {};
    if (::fstat(STDIN_FILENO, &st) != 0) cannot_read(errno);
    regular_file_ = S_ISREG(st.st_mode);
    if (regular_file_) {
        reader_ = std::make_unique<background_reader>(read_some);
    } else {
        flags_ = ::fcntl(STDIN_FILENO, F_GETFL);
    }
}

stdin_source::~stdin_source() {
    if (pipe_) pipe_->close();
    // The descriptor is shared with whoever started ferry (a shell's terminal): leave it as it
    // came, blocking.
    if (flags_ >= 0) ::fcntl(STDIN_FILENO, F_SETFL, flags_);
}

msg::offer stdin_source::offer() const {
    return msg::offer{static_cast<std::uint8_t>(msg::offer_kind::stream), 0, name_};
}

awaitable<std::size_t> stdin_source::read_async(mutable_byte_span into) {
    if (regular_file_) co_return co_await reader_->read(into);
    co_return co_await read_pollable(into);
}

awaitable<std::size_t> stdin_source::read_pollable(mutable_byte_span into) {
    if (!pipe_) {
        const int fd = ::dup(STDIN_FILENO);
        if (fd < 0) cannot_read(errno);
        try {
            pipe_.emplace(co_await asio::this_coro::executor, fd);
        } catch (const std::system_error&) {
            // epoll takes no regular file and no /dev/null (EPERM): those never wait long, so
            // a thread reads them like a file.
            ::close(fd);
            regular_file_ = true;
            reader_ = std::make_unique<background_reader>(read_some);
        }
        if (regular_file_) co_return co_await reader_->read(into);
    }
    auto [ec, n] = co_await pipe_->async_read_some(asio::buffer(into.data(), into.size()),
                                                   asio::experimental::as_tuple(use_awaitable));
    if (ec == asio::error::eof) co_return 0;
    if (ec == asio::error::operation_aborted) throw std::system_error(ec);
    if (ec) cannot_read(ec.value());
    co_return n;
}

}  // namespace ferry::sender
