#pragma once

#include <cstddef>
#include <unordered_map>

#include "common/asio.hpp"
#include "common/deadline.hpp"

namespace ferry::relay {

// Failed claims (unknown or already paired nameplate) per source address (per /64 for IPv6),
// as a token bucket:
// `per_minute` tokens, refilled evenly over a minute. An address with no token left may not
// claim at all until one has come back, so nameplates cannot be scanned in a loop. Legitimate
// receivers make one successful claim and are never charged.
class claim_limiter {
  public:
    explicit claim_limiter(std::size_t per_minute) : per_minute_(per_minute) {}

    [[nodiscard]] bool allowed(const asio::ip::address& from, clock::time_point now = clock::now());
    void charge(const asio::ip::address& from, clock::time_point now = clock::now());

  private:
    struct bucket {
        double tokens;
        clock::time_point updated;
    };
    bucket& refill(const asio::ip::address& from, clock::time_point now);
    void prune(clock::time_point now);

    std::size_t per_minute_;
    std::unordered_map<asio::ip::address, bucket> buckets_;
    clock::time_point last_prune_{};
};

}  // namespace ferry::relay
