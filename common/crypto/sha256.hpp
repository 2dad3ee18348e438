#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "common/wire/bytes.hpp"

struct evp_md_ctx_st;

namespace ferry {

using sha256_digest = std::array<std::uint8_t, 32>;

// Streaming SHA-256 (OpenSSL EVP); one context reused for the whole file.
class sha256 {
  public:
    sha256();
    // A copy carries on from the same state (for a prefix's digest, or a resumed file's hash).
    sha256(const sha256& other);
    sha256& operator=(const sha256& other);
    sha256(sha256&&) noexcept = default;
    sha256& operator=(sha256&&) noexcept = default;
    ~sha256() = default;
    void update(byte_span bytes);
    sha256_digest finish();
    // The digest of what was hashed so far; hashing may go on after it.
    [[nodiscard]] sha256_digest peek() const;
    // Starts again, for the next message, without allocating (a tree's next file).
    void reset();

  private:
    struct deleter {
        void operator()(evp_md_ctx_st* ctx) const;
    };
    std::unique_ptr<evp_md_ctx_st, deleter> ctx_;
};

std::string to_hex(byte_span bytes);
// A SHA-256 as a final line shows it: its first 8 hex digits and "…" ("5e88c5a1…"), or all 64
// with `full` (--verbose).
std::string shown_digest(const sha256_digest& d, bool full);

}  // namespace ferry
