#pragma once

#include <string_view>

#include "common/wire/bytes.hpp"

namespace ferry {

// HKDF-SHA256 (RFC 5869) with OpenSSL's EVP_KDF: fills `out` from the key material, the salt
// (may be empty) and the info string. Throws failure(internal) if OpenSSL fails.
void hkdf_sha256(byte_span ikm, byte_span salt, std::string_view info, mutable_byte_span out);

}  // namespace ferry
