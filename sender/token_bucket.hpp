#pragma once

#include <cstdint>

#include "common/net/deadline.hpp"

namespace ferry::sender {

// --limit-rate's arithmetic, without a clock of its own (the caller passes the time): tokens
// (bytes) come at `rate` per second up to `capacity`, and each send takes what it sent, going
// into debt for a record larger than what is there; the debt is paid by waiting. A pause (a
// reconnect, a slow receiver) therefore earns at most `capacity` bytes of burst, never the
// whole pause's worth.
class token_bucket {
  public:
    // A full bucket at `now`.
    token_bucket(std::uint64_t rate, std::uint64_t capacity, clock::time_point now);
    // `bytes` were just sent at `now`: how long to wait before the next send (zero if none).
    clock::duration take(std::uint64_t bytes, clock::time_point now);
    // What a bucket for `rate` holds: one record, or 50 ms at that rate if more.
    static std::uint64_t capacity_for(std::uint64_t rate);

  private:
    double rate_;  // bytes per second
    double capacity_;
    double tokens_;  // below 0: a debt
    clock::time_point last_;
};

}  // namespace ferry::sender
