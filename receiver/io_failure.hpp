#pragma once

#include <unistd.h>

#include <cstring>
#include <string>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"

// Small helpers of the receiver's files on disk.
namespace ferry::receiver {

// failure(local_io) naming what failed and the errno that said so.
[[noreturn]] inline void io_failure(const std::string& what, int err) {
    throw failure(exit_code::local_io, fmt::format("{}: {}", what, std::strerror(err)));
}

// Closes a descriptor this side owns (if open) and marks it closed.
inline void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

}  // namespace ferry::receiver
