#pragma once

#include <chrono>
#include <cstdint>

#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"

namespace ferry::sender {

// Keeps the average rate at or under `limit` bytes per second by sleeping when ahead.
class rate_limiter {
  public:
    explicit rate_limiter(std::uint64_t limit) : limit_(limit) {}
    awaitable<void> pace(std::uint64_t sent) {
        if (limit_ == 0) co_return;
        const auto due =
            start_ + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(
                         static_cast<double>(sent) / static_cast<double>(limit_)));
        if (due > clock::now()) co_await sleep_for(due - clock::now());
    }

  private:
    std::uint64_t limit_;
    clock::time_point start_{clock::now()};
};

}  // namespace ferry::sender
