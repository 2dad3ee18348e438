#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/wire/bytes.hpp"

// Fields of a wire format, big-endian, in order: a writer appends them, a reader takes them back
// with every bound checked. Used by the transfer messages, the relay frames, the relay LINK, the
// LAN announcement and the receiver's partial state file.
namespace ferry::wire {

// Appends fields to a byte vector it owns.
class writer {
  public:
    writer() = default;
    explicit writer(std::size_t capacity) { bytes_.reserve(capacity); }

    writer& u8(std::uint8_t v) {
        bytes_.push_back(v);
        return *this;
    }
    writer& u16(std::uint16_t v) { return put(v); }
    writer& u32(std::uint32_t v) { return put(v); }
    writer& u64(std::uint64_t v) { return put(v); }
    writer& bytes(byte_span b) {
        bytes_.insert(bytes_.end(), b.begin(), b.end());
        return *this;
    }
    // The first `max` bytes of `s` at most, without a length.
    writer& chars(std::string_view s, std::size_t max) { return bytes(as_bytes(s.substr(0, max))); }
    // length u8 | bytes and length u16 | bytes, cut at `max` bytes (callers that must not cut a
    // value check it before).
    writer& string8(std::string_view s, std::size_t max);
    writer& string16(std::string_view s, std::size_t max);
    writer& bytes16(byte_span b, std::size_t max);

    // Overwrites the u16 written at offset `at`: a length known only once what follows is there.
    void patch_u16(std::size_t at, std::uint16_t v);

    [[nodiscard]] std::size_t size() const { return bytes_.size(); }
    [[nodiscard]] byte_span written() const { return bytes_; }
    // What was written; the writer is empty after.
    std::vector<std::uint8_t> take() { return std::exchange(bytes_, {}); }

  private:
    template <class T>
    writer& put(T v) {
        const auto at = bytes_.size();
        bytes_.resize(at + sizeof(T));
        put_be(bytes_.data() + at, v);
        return *this;
    }

    std::vector<std::uint8_t> bytes_;
};

// Takes fields from the front of a byte span without copying it: byte fields are views into it.
// Every read names what it expected; reading past the end throws wire_error
// "<subject> truncated in <what>".
class reader {
  public:
    explicit reader(byte_span bytes, const char* subject = "message")
        : bytes_(bytes), subject_(subject) {}

    byte_span take(std::size_t n, const char* what) {
        if (left() < n) truncated(what);
        const auto out = bytes_.subspan(pos_, n);
        pos_ += n;
        return out;
    }
    std::uint8_t u8(const char* what) { return take(1, what)[0]; }
    std::uint16_t u16(const char* what) { return get_be<std::uint16_t>(take(2, what).data()); }
    std::uint32_t u32(const char* what) { return get_be<std::uint32_t>(take(4, what).data()); }
    std::uint64_t u64(const char* what) { return get_be<std::uint64_t>(take(8, what).data()); }
    // A field of out.size() bytes, copied into `out` (a digest, a nonce, a ticket).
    template <std::size_t N>
    void fill(std::array<std::uint8_t, N>& out, const char* what) {
        std::ranges::copy(take(N, what), out.begin());
    }
    std::string chars(std::size_t n, const char* what) {
        return std::string(as_chars(take(n, what)));
    }
    // length u16 | bytes; over `max` bytes is "<what> is too long (<n> bytes)".
    std::string string16(std::size_t max, const char* what);

    // All that is left, taken.
    byte_span rest() { return take(left(), "the rest"); }
    [[nodiscard]] std::size_t left() const { return bytes_.size() - pos_; }
    // Throws "<n> bytes of trailing garbage after <what>" unless all was read.
    void finish(const char* what) const;

  private:
    [[noreturn]] void truncated(const char* what) const;

    byte_span bytes_;
    std::size_t pos_ = 0;
    const char* subject_;
};

}  // namespace ferry::wire
