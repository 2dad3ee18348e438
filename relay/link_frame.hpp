#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/crypto/hmac.hpp"
#include "common/wire/bytes.hpp"

// LINK: the first bytes a relay of a cluster sends to another relay's link port, to hand it a
// client's hello (CLAIM, JOIN or RECONNECT) whose nameplate or rendezvous id that relay owns.
// Authenticated with HMAC-SHA256 under the cluster's shared secret; read in exact sizes
// (docs/protocol.md, "Relay-to-relay link"):
//   "FLNK" | version u8 = 1 | unix time ms u64 | nonce 16 | address length u8 (1-64) | address
//   | hello length u16 (8-520) | hello (a relay frame, header and payload) | HMAC-SHA256 32
// All integers big-endian; the tag covers every byte before it.
namespace ferry::relay {

inline constexpr std::uint8_t link_version = 1;
inline constexpr std::size_t link_nonce_size = 16;
inline constexpr std::size_t link_fixed_size = 30;  // magic .. address length
inline constexpr std::size_t max_link_address = 64;
inline constexpr std::size_t min_link_hello = 8;    // a relay frame header
inline constexpr std::size_t max_link_hello = 520;  // header + the largest payload
inline constexpr std::size_t min_link_secret = 16;

struct link_hello {
    std::uint64_t unix_ms = 0;
    std::array<std::uint8_t, link_nonce_size> nonce{};
    std::string client_address;  // "203.0.113.7:51234" or "[2001:db8::1]:51234"
    std::vector<std::uint8_t> hello;
};

// Throws std::invalid_argument for an address or hello out of bounds.
std::vector<std::uint8_t> encode_link(const link_hello& l, byte_span secret);

class link_reader {
  public:
    explicit link_reader(byte_span secret);
    // The bytes to read next (exactly: never past the LINK).
    mutable_byte_span wanted();
    // True when the LINK is complete and authentic; throws wire_error on anything malformed or
    // a tag that does not match.
    bool commit(std::size_t n);
    [[nodiscard]] const link_hello& result() const { return result_; }

  private:
    void parse_fixed();
    void parse_address();
    void check_tag();

    enum class state { fixed, address, hello, done };
    state state_ = state::fixed;
    std::vector<std::uint8_t> secret_;
    std::vector<std::uint8_t> buffer_;
    std::size_t filled_ = 0;
    std::size_t address_size_ = 0;
    link_hello result_;
};

// A LINK is taken once and only near its time: within `skew` of this relay's clock, and with a
// nonce not seen within twice that.
class link_guard {
  public:
    explicit link_guard(std::chrono::milliseconds skew = std::chrono::seconds(30)) : skew_(skew) {}
    [[nodiscard]] bool accept(const link_hello& l, std::uint64_t now_unix_ms);

  private:
    std::chrono::milliseconds skew_;
    using nonce = std::array<std::uint8_t, link_nonce_size>;
    std::set<nonce> seen_;
    std::multimap<std::uint64_t, nonce> expiries_;  // when each seen nonce may be forgotten
};

}  // namespace ferry::relay
