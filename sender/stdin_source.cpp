#include "sender/stdin_source.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"

namespace ferry::sender {

namespace {

// One read(2) of standard input: blocks until there are bytes or the end; runs on the reader's
// thread.
std::size_t read_some(mutable_byte_span into) {
    for (;;) {
        const auto n = ::read(STDIN_FILENO, into.data(), into.size());
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno == EINTR) continue;
        throw failure(exit_code::local_io,
                      fmt::format("cannot read standard input: {}", std::strerror(errno)));
    }
}

}  // namespace

stdin_source::stdin_source() : reader_(std::make_unique<background_reader>(read_some)) {}

msg::offer stdin_source::offer() const {
    return msg::offer{static_cast<std::uint8_t>(msg::offer_kind::stream), 0, name_};
}

awaitable<std::size_t> stdin_source::read_async(mutable_byte_span into) {
    co_return co_await reader_->read(into);
}

}  // namespace ferry::sender
