#pragma once

#include <cstdint>
#include <optional>

#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "sender/token_bucket.hpp"

namespace ferry::sender {

// Keeps the rate at or under `limit` bytes per second by sleeping when ahead (a token_bucket):
// after a pause it catches up by one small burst at most.
class rate_limiter {
  public:
    explicit rate_limiter(std::uint64_t limit) {
        if (limit > 0) bucket_.emplace(limit, token_bucket::capacity_for(limit), clock::now());
    }
    // `bytes` were just sent.
    awaitable<void> pace(std::uint64_t bytes) {
        if (!bucket_) co_return;
        const auto wait = bucket_->take(bytes, clock::now());
        if (wait > clock::duration::zero()) co_await sleep_for(wait);
    }

  private:
    std::optional<token_bucket> bucket_;
};

}  // namespace ferry::sender
