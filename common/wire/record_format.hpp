#pragma once

#include <cstddef>

#include "common/wire/bytes.hpp"

namespace ferry {

// The session layer between sender and receiver, inside the relay's pipe: a stream of records,
// each `length u32 BE | body`. Before encryption is on (the key exchange) the body is the
// payload; after, it is `ciphertext | 16-byte GCM tag`. The length is never 0 and never above
// max_record_body.
inline constexpr std::size_t record_tag_size = 16;  // the AES-256-GCM tag after the ciphertext
inline constexpr std::size_t max_record_payload = (std::size_t{1} << 20) + 64;
inline constexpr std::size_t max_record_body = max_record_payload + record_tag_size;
// File bytes per data record (plus one type byte); large to keep syscalls per byte low.
inline constexpr std::size_t data_chunk_size = 256 * 1024;

struct record_format {
    static constexpr std::size_t header_size = 4;
    static std::size_t payload_size(byte_span header, std::size_t max);
};

}  // namespace ferry
