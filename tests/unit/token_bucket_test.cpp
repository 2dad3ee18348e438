// --limit-rate's token bucket on a clock the test moves: the rate holds in the steady state, and
// a long pause earns one small burst, not the pause's worth of bytes.
#include <catch2/catch.hpp>

#include <cstdint>

#include "sender/token_bucket.hpp"

using namespace ferry;
using ferry::sender::token_bucket;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t rate = 8'000'000;  // 8 MB/s
constexpr std::uint64_t record = 16 * 1024;

// Sends records for `span` of the test's clock, waiting as told; returns the bytes sent.
std::uint64_t send_for(token_bucket& bucket, clock::time_point& now, clock::duration span) {
    const auto end = now + span;
    std::uint64_t sent = 0;
    while (now < end) {
        now += bucket.take(record, now);
        sent += record;
    }
    return sent;
}

// Bytes sent without any wait from `now`: the burst the bucket allows at once.
std::uint64_t burst_at(token_bucket& bucket, clock::time_point now) {
    std::uint64_t sent = 0;
    for (;;) {
        sent += record;
        if (bucket.take(record, now) > clock::duration::zero()) return sent;
    }
}

}  // namespace

TEST_CASE("the rate limiter holds the rate and bursts little after a pause", "[rate]") {
    const auto capacity = token_bucket::capacity_for(rate);
    CHECK(capacity == rate / 20);  // 50 ms at 8 MB/s, more than a record
    CHECK(token_bucket::capacity_for(1'000'000) == 256 * 1024);  // one record: 50 ms is less
    clock::time_point now{};
    token_bucket bucket(rate, capacity, now);

    // Steady state: 10 s of the test's clock carry 80 MB, give or take the bucket and a record.
    const auto steady = send_for(bucket, now, 10s);
    CHECK(steady >= 10 * rate - record);
    CHECK(steady <= 10 * rate + capacity + record);

    // A pause of a minute (a reconnect, a black hole): the next 100 ms carry what 100 ms do,
    // plus the bucket, not the minute's 480 MB.
    now += 60s;
    CHECK(burst_at(bucket, now) <= capacity + record);
    auto after = now;
    const auto window = send_for(bucket, after, 100ms);
    CHECK(window <= rate / 10 + record);
    const auto later = send_for(bucket, after, 10s);
    CHECK(later >= 10 * rate - record);
    CHECK(later <= 10 * rate + record);
}

TEST_CASE("a record larger than the bucket goes out, then its debt is waited for", "[rate]") {
    clock::time_point now{};
    token_bucket bucket(1'000'000, 100'000, now);
    CHECK(bucket.take(50'000, now) == clock::duration::zero());
    const auto wait = bucket.take(250'000, now);  // 200 kB over: 0.2 s at 1 MB/s
    CHECK(wait > 199ms);
    CHECK(wait < 201ms);
    now += wait;
    CHECK(bucket.take(0, now) == clock::duration::zero());
}
