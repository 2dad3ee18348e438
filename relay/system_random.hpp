#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace ferry::relay {

// A UniformRandomBitGenerator over OpenSSL's RAND_bytes (a CSPRNG seeded by the system): the
// nameplates it draws cannot be predicted from the ones seen before, as a seeded Mersenne
// Twister's can.
// Reads 64 values at a time; throws std::runtime_error if the system generator fails.
class system_random {
  public:
    using result_type = std::uint64_t;
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
    result_type operator()();

  private:
    std::array<result_type, 64> buffer_{};
    std::size_t next_ = buffer_.size();
};

}  // namespace ferry::relay
