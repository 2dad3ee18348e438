#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

// Big-endian integer helpers for wire formats. Callers check sizes before calling (or use
// common/wire/cursor.hpp, which does).
namespace ferry {

using byte_span = std::span<const std::uint8_t>;
using mutable_byte_span = std::span<std::uint8_t>;

template <std::unsigned_integral T>
void put_be(std::uint8_t* p, T v) {
    for (std::size_t i = sizeof(T); i-- > 0;) {
        p[i] = static_cast<std::uint8_t>(v);
        v = static_cast<T>(v >> 8);
    }
}
template <std::unsigned_integral T>
T get_be(const std::uint8_t* p) {
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
        v = static_cast<T>(v << 8 | p[i]);
    return v;
}

inline void put_u16(std::uint8_t* p, std::uint16_t v) {
    put_be(p, v);
}
inline void put_u32(std::uint8_t* p, std::uint32_t v) {
    put_be(p, v);
}
inline void put_u64(std::uint8_t* p, std::uint64_t v) {
    put_be(p, v);
}
inline std::uint16_t get_u16(const std::uint8_t* p) {
    return get_be<std::uint16_t>(p);
}
inline std::uint32_t get_u32(const std::uint8_t* p) {
    return get_be<std::uint32_t>(p);
}
inline std::uint64_t get_u64(const std::uint8_t* p) {
    return get_be<std::uint64_t>(p);
}

inline std::string_view as_chars(byte_span b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline byte_span as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace ferry
