#include "sender/token_bucket.hpp"

#include <algorithm>

#include "common/wire/record_format.hpp"

namespace ferry::sender {

token_bucket::token_bucket(std::uint64_t rate, std::uint64_t capacity, clock::time_point now)
    : rate_(static_cast<double>(rate)),
      capacity_(static_cast<double>(capacity)),
      tokens_(capacity_),
      last_(now) {}

clock::duration token_bucket::take(std::uint64_t bytes, clock::time_point now) {
    if (now > last_) {
        const std::chrono::duration<double> passed = now - last_;
        tokens_ = std::min(capacity_, tokens_ + passed.count() * rate_);
        last_ = now;
    }
    tokens_ -= static_cast<double>(bytes);
    if (tokens_ >= 0) return clock::duration::zero();
    return std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(-tokens_ / rate_));
}

std::uint64_t token_bucket::capacity_for(std::uint64_t rate) {
    return std::max<std::uint64_t>(data_chunk_size, rate / 20);
}

}  // namespace ferry::sender
