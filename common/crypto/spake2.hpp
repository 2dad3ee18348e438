// SPAKE2 (RFC 9382), ciphersuite P256-SHA256-HKDF-HMAC.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace ferry::crypto {

class spake2_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class spake2_role { a, b };

inline constexpr std::size_t spake2_scalar_size = 32;
inline constexpr std::size_t spake2_message_size = 65;

// RFC 9382 section 6 constants for P-256, compressed SEC1.
inline constexpr std::array<std::uint8_t, 33> spake2_m_compressed = {
    0x02, 0x88, 0x6e, 0x2f, 0x97, 0xac, 0xe4, 0x6e, 0x55, 0xba, 0x9d,
    0xd7, 0x24, 0x25, 0x79, 0xf2, 0x99, 0x3b, 0x64, 0xe1, 0x6e, 0xf3,
    0xdc, 0xab, 0x95, 0xaf, 0xd4, 0x97, 0x33, 0x3d, 0x8f, 0xa1, 0x2f};
inline constexpr std::array<std::uint8_t, 33> spake2_n_compressed = {
    0x03, 0xd8, 0xbb, 0xd6, 0xc6, 0x39, 0xc6, 0x29, 0x37, 0xb0, 0x4d,
    0x99, 0x7f, 0x38, 0xc3, 0x77, 0x07, 0x19, 0xc6, 0x29, 0xd7, 0x01,
    0x4d, 0x49, 0xa2, 0x4b, 0x4f, 0x98, 0xba, 0xa1, 0x29, 0x2b, 0x49};

// Everything here is secret (the transcript ends with w): wiped when it goes away, or earlier by
// wipe() once the record keys are derived.
struct spake2_keys {
    std::array<std::uint8_t, 16> ke{};
    std::array<std::uint8_t, 16> ka{};
    std::array<std::uint8_t, 16> kc_a{};
    std::array<std::uint8_t, 16> kc_b{};
    std::array<std::uint8_t, 32> mac_a{};
    std::array<std::uint8_t, 32> mac_b{};
    std::array<std::uint8_t, spake2_message_size> k{};  // shared point, uncompressed
    std::vector<std::uint8_t> transcript;               // TT

    spake2_keys() = default;
    ~spake2_keys() { wipe(); }
    spake2_keys(const spake2_keys&) = delete;  // no stray copies of secrets
    spake2_keys& operator=(const spake2_keys&) = delete;
    spake2_keys(spake2_keys&& other) noexcept;  // leaves `other` wiped
    spake2_keys& operator=(spake2_keys&& other) noexcept;

    // Zeroes every byte above, the transcript's included (it keeps its length).
    void wipe() noexcept;
    // Whether every byte is zero: wiped, or never filled in.
    [[nodiscard]] bool wiped() const noexcept;
};

class spake2 {
  public:
    // w: password scalar, 32 big-endian bytes, already reduced mod the group
    // order. scalar: fixed private scalar in [1, order-1] (tests only);
    // otherwise a random one is drawn.
    spake2(spake2_role role, std::span<const std::uint8_t> w, std::string_view identity_a,
           std::string_view identity_b,
           std::optional<std::span<const std::uint8_t>> scalar = std::nullopt);
    ~spake2();

    spake2(const spake2&) = delete;
    spake2& operator=(const spake2&) = delete;
    spake2(spake2&&) noexcept;
    spake2& operator=(spake2&&) noexcept;

    // Our uncompressed SEC1 point (pA for role a, pB for role b).
    std::array<std::uint8_t, spake2_message_size> my_message() const;

    // peer_message: the other party's uncompressed SEC1 point. Throws
    // spake2_error on malformed, off-curve or identity points, or if K is the
    // identity. A rejected message leaves the object usable; after a successful
    // call the private scalar and w are wiped and further calls throw.
    spake2_keys finish(std::span<const std::uint8_t> peer_message);

    // Whether the secrets this object held (the private scalar, w) are gone: true after a
    // successful finish().
    [[nodiscard]] bool wiped() const;

  private:
    struct state;
    std::unique_ptr<state> state_;
};

// scrypt(password, salt, N=2^15, r=8, p=1) -> 48 bytes, reduced mod the P-256
// order, as 32 big-endian bytes.
std::array<std::uint8_t, spake2_scalar_size> spake2_password_scalar(std::string_view password,
                                                                    std::string_view salt);

bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

}  // namespace ferry::crypto
