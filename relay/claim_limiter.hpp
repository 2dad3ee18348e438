#pragma once

#include <cstddef>
#include <unordered_map>

#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"

namespace ferry::relay {

// The address a per-address limit counts by. One IPv6 host usually holds a whole /64: it is
// one address. An IPv4 address written as IPv6 (::ffff:a.b.c.d, from a dual-stack socket) is
// that IPv4 address, not a /64 that every IPv4 client would share.
asio::ip::address limit_key(const asio::ip::address& a);

// Failed claims (unknown or already paired nameplate) per source address, as a token bucket:
// `per_minute` tokens, refilled evenly over a minute. An IPv4 address is one bucket (also when
// it comes as ::ffff:a.b.c.d), an IPv6 address counts by its /64, which one host usually holds.
// An address with no token left may not claim at all until one has come back, not even a
// nameplate that exists: otherwise a scanner over its budget could go on claiming for free, its
// misses refused and every hit paired with a waiting sender (a guess at that sender's code).
// The price: a receiver behind the same address (a NAT) as a scanner waits for a token too,
// retry_after() long. Successful claims are never charged.
class claim_limiter {
  public:
    explicit claim_limiter(std::size_t per_minute) : per_minute_(per_minute) {}

    [[nodiscard]] bool allowed(const asio::ip::address& from, clock::time_point now = clock::now());
    void charge(const asio::ip::address& from, clock::time_point now = clock::now());
    // How long until `from` may claim again (zero if it may now).
    [[nodiscard]] clock::duration retry_after(const asio::ip::address& from,
                                              clock::time_point now = clock::now());

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
