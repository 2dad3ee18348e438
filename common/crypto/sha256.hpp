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
    void update(byte_span bytes);
    sha256_digest finish();
    // Starts again, for the next message, without allocating (a tree's next file).
    void reset();

  private:
    struct deleter {
        void operator()(evp_md_ctx_st* ctx) const;
    };
    std::unique_ptr<evp_md_ctx_st, deleter> ctx_;
};

std::string to_hex(byte_span bytes);

}  // namespace ferry
