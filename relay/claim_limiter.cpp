#include "relay/claim_limiter.hpp"

#include <algorithm>

namespace ferry::relay {

namespace {
constexpr std::size_t prune_above = 10'000;  // buckets kept before full ones are dropped
}

claim_limiter::bucket& claim_limiter::refill(const asio::ip::address& from, clock::time_point now) {
    const auto capacity = static_cast<double>(per_minute_);
    auto [it, inserted] = buckets_.try_emplace(from, bucket{capacity, now});
    auto& b = it->second;
    if (!inserted) {
        const auto minutes = std::chrono::duration<double, std::ratio<60>>(now - b.updated).count();
        b.tokens = std::min(capacity, b.tokens + minutes * capacity);
        b.updated = now;
    }
    return b;
}

bool claim_limiter::allowed(const asio::ip::address& from, clock::time_point now) {
    if (buckets_.size() > prune_above) prune(now);
    return refill(from, now).tokens >= 1.0;
}

void claim_limiter::charge(const asio::ip::address& from, clock::time_point now) {
    auto& b = refill(from, now);
    b.tokens = std::max(0.0, b.tokens - 1.0);
}

void claim_limiter::prune(clock::time_point now) {
    // A bucket that would be full again carries no information: forget it.
    std::erase_if(buckets_, [&](const auto& entry) {
        return now - entry.second.updated > std::chrono::minutes(1);
    });
}

}  // namespace ferry::relay
