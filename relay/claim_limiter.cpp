#include "relay/claim_limiter.hpp"

#include <algorithm>

namespace ferry::relay {

namespace {

constexpr std::size_t prune_above = 10'000;  // buckets kept before stale ones are dropped
constexpr std::size_t hard_cap = 100'000;    // beyond this (a flood from a huge range): start over

}  // namespace

asio::ip::address limit_key(const asio::ip::address& a) {
    if (!a.is_v6()) return a;
    if (a.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
    auto bytes = a.to_v6().to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return asio::ip::address_v6(bytes);
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
    const auto key = limit_key(from);
    if (!buckets_.contains(key)) return true;  // a full bucket: nothing to remember
    return refill(key, now).tokens >= 1.0;
}

clock::duration claim_limiter::retry_after(const asio::ip::address& from, clock::time_point now) {
    const auto key = limit_key(from);
    if (!buckets_.contains(key)) return clock::duration::zero();
    const auto missing = 1.0 - refill(key, now).tokens;
    if (missing <= 0.0) return clock::duration::zero();
    const std::chrono::duration<double, std::ratio<60>> minutes(missing /
                                                                static_cast<double>(per_minute_));
    // To the millisecond: the tokens are doubles, and a wait of 4.000000001 s is one of 4 s.
    return std::max(std::chrono::round<std::chrono::milliseconds>(minutes),
                    std::chrono::milliseconds(1));
}

void claim_limiter::charge(const asio::ip::address& from, clock::time_point now) {
    if (buckets_.size() > prune_above && now - last_prune_ > std::chrono::seconds(10)) prune(now);
    if (buckets_.size() > hard_cap) buckets_.clear();
    auto& b = refill(limit_key(from), now);
    b.tokens = std::max(0.0, b.tokens - 1.0);
}

void claim_limiter::prune(clock::time_point now) {
    last_prune_ = now;
    // A bucket that would be full again carries no information: forget it.
    std::erase_if(buckets_, [&](const auto& entry) {
        return now - entry.second.updated > std::chrono::minutes(1);
    });
}

}  // namespace ferry::relay
