#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "common/wire/bytes.hpp"
#include "common/wire/record_format.hpp"

struct evp_cipher_ctx_st;

namespace ferry {

inline constexpr std::size_t record_key_size = 32;
using record_key = std::array<std::uint8_t, record_key_size>;

// AES-256-GCM for one direction of the record stream. The 96-bit nonce is 4 zero bytes and the
// record's 64-bit big-endian sequence number, counted separately by each side and never sent:
// a dropped, repeated or reordered record fails authentication. One cipher context is set up
// once and reused; nothing is allocated per record.
class record_cipher {
  public:
    enum class mode { seal, open };
    record_cipher(const record_key& key, mode m);
    ~record_cipher();
    record_cipher(const record_cipher&) = delete;
    record_cipher& operator=(const record_cipher&) = delete;

    // Encrypts `data` in place and writes the tag; `aad` (the record header) is authenticated.
    void seal(byte_span aad, mutable_byte_span data, std::span<std::uint8_t, record_tag_size> tag);
    // The same from `plain` into `out` (as large, not overlapping unless the same bytes).
    void seal(byte_span aad, byte_span plain, mutable_byte_span out,
              std::span<std::uint8_t, record_tag_size> tag);
    // Decrypts `data` in place; throws integrity_error if the record is not authentic.
    void open(byte_span aad, mutable_byte_span data,
              std::span<const std::uint8_t, record_tag_size> tag);

    [[nodiscard]] std::uint64_t sequence() const { return sequence_; }

  private:
    void start_record();

    struct deleter {
        void operator()(evp_cipher_ctx_st* ctx) const;
    };
    std::unique_ptr<evp_cipher_ctx_st, deleter> ctx_;
    mode mode_;
    std::uint64_t sequence_ = 0;
};

}  // namespace ferry
