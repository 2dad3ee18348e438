// relay::claim_limiter with the time passed in: buckets by address and /64, refill, waits.
#include <catch2/catch.hpp>

#include "relay/claim_limiter.hpp"

using namespace ferry;
using namespace ferry::relay;
using namespace std::chrono_literals;

namespace {

const auto t0 = clock::time_point{} + 1h;

asio::ip::address ip(const char* text) {
    return asio::ip::make_address(text);
}

// Spends `from`'s whole budget of `n` failed claims at `now`.
void spend(claim_limiter& limiter, const asio::ip::address& from, int n, clock::time_point now) {
    for (int i = 0; i < n; ++i) {
        REQUIRE(limiter.allowed(from, now));
        limiter.charge(from, now);
    }
}

}  // namespace

TEST_CASE("claim limiter: an IPv4 address has a budget of its own", "[claim_limiter]") {
    claim_limiter limiter(10);
    spend(limiter, ip("192.0.2.1"), 10, t0);
    CHECK(!limiter.allowed(ip("192.0.2.1"), t0));
    CHECK(limiter.allowed(ip("192.0.2.2"), t0));
    CHECK(limiter.allowed(ip("198.51.100.1"), t0));
}

TEST_CASE("claim limiter: IPv6 addresses in one /64 share a budget, other /64s do not",
          "[claim_limiter]") {
    claim_limiter limiter(10);
    spend(limiter, ip("2001:db8:1:2::1"), 5, t0);
    spend(limiter, ip("2001:db8:1:2:ffff:ffff:ffff:fffe"), 5, t0);
    CHECK(!limiter.allowed(ip("2001:db8:1:2::1"), t0));
    CHECK(!limiter.allowed(ip("2001:db8:1:2:abcd::9"), t0));
    CHECK(limiter.allowed(ip("2001:db8:1:3::1"), t0));   // the next /64
    CHECK(limiter.allowed(ip("2001:db8:2:2::1"), t0));   // another /48
    CHECK(limiter.allowed(ip("::ffff:192.0.2.1"), t0));  // IPv4 is not a /64 of ::
}

TEST_CASE("claim limiter: an IPv4-mapped IPv6 address is its IPv4 address", "[claim_limiter]") {
    claim_limiter limiter(10);
    spend(limiter, ip("::ffff:192.0.2.1"), 10, t0);
    CHECK(!limiter.allowed(ip("192.0.2.1"), t0));
    CHECK(!limiter.allowed(ip("::ffff:192.0.2.1"), t0));
    // Not all of IPv4 in one bucket (the mapped addresses share their first 64 bits).
    CHECK(limiter.allowed(ip("::ffff:192.0.2.2"), t0));
    CHECK(limiter.allowed(ip("192.0.2.2"), t0));
}

TEST_CASE("claim limiter: the budget comes back over a minute", "[claim_limiter]") {
    claim_limiter limiter(10);  // one token every 6 s
    const auto a = ip("203.0.113.7");
    CHECK(limiter.retry_after(a, t0) == clock::duration::zero());
    spend(limiter, a, 10, t0);
    CHECK(!limiter.allowed(a, t0));
    CHECK(limiter.retry_after(a, t0) == 6s);
    CHECK(limiter.retry_after(a, t0 + 2s) == 4s);
    CHECK(!limiter.allowed(a, t0 + 5900ms));
    CHECK(limiter.allowed(a, t0 + 6100ms));
    CHECK(limiter.retry_after(a, t0 + 6100ms) == clock::duration::zero());
    SECTION("one token back lets one failed claim through") {
        limiter.charge(a, t0 + 6100ms);
        CHECK(!limiter.allowed(a, t0 + 6100ms));
    }
    SECTION("a minute later the whole budget is back, and no more") {
        spend(limiter, a, 10, t0 + 1min);
        CHECK(!limiter.allowed(a, t0 + 1min));
    }
    SECTION("a successful claim is never charged: only charge() spends") {
        for (int i = 0; i < 100; ++i)
            CHECK(limiter.allowed(ip("203.0.113.8"), t0));
    }
}
