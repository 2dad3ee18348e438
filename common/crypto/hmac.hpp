#pragma once

#include <array>
#include <cstdint>

#include "common/wire/bytes.hpp"

namespace ferry {

inline constexpr std::size_t hmac_sha256_size = 32;
using hmac_sha256_tag = std::array<std::uint8_t, hmac_sha256_size>;

// HMAC-SHA256 (RFC 2104) with OpenSSL's EVP_MAC. Throws failure(internal) if OpenSSL fails.
hmac_sha256_tag hmac_sha256(byte_span key, byte_span data);

// Compares two tags in constant time.
bool same_tag(byte_span a, byte_span b);

}  // namespace ferry
