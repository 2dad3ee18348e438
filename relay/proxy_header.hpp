#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/wire/bytes.hpp"

// The PROXY protocol header (HAProxy, versions 1 and 2) that a load balancer or tunnel puts in
// front of a client's bytes to tell the relay the client's real address. Read in exact sizes like
// every other frame: 6 bytes say which version; v1 is then read a byte at a time up to its CRLF
// (107 bytes at most), v2 up to its fixed 16-byte header and then its announced length.
namespace ferry::proxy {

inline constexpr std::size_t max_v1 = 107;
inline constexpr std::size_t max_v2_body = 512;  // addresses + TLVs we accept

struct source {
    std::string address;  // "203.0.113.7" or "2001:db8::1"; empty: keep the connection's address
    std::uint16_t port = 0;
};

class header_reader {
  public:
    header_reader();
    // The bytes to read next (exactly: never past the header).
    mutable_byte_span wanted();
    // Returns true when the header is complete; throws wire_error on anything malformed.
    bool commit(std::size_t n);
    // The client's address once complete (empty address for LOCAL / UNKNOWN / UNSPEC).
    [[nodiscard]] const source& result() const { return result_; }

  private:
    void parse_v1();
    void parse_v2();

    enum class state { prefix, v1, v2_fixed, v2_body, done };
    state state_ = state::prefix;
    std::array<std::uint8_t, 16 + max_v2_body> buffer_{};
    std::size_t filled_ = 0;
    std::size_t target_ = 6;
    source result_;
};

}  // namespace ferry::proxy
