#include "common/wire/cursor.hpp"

#include <fmt/format.h>

#include <limits>
#include <stdexcept>

#include "common/ui/units.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry::wire {

namespace {

template <class Length>
std::size_t cut_length(std::size_t size, std::size_t max) {
    if (max > std::numeric_limits<Length>::max())
        throw std::logic_error("wire::writer: a maximum its length cannot hold");
    return std::min(size, max);
}

}  // namespace

writer& writer::string8(std::string_view s, std::size_t max) {
    const auto n = cut_length<std::uint8_t>(s.size(), max);
    return u8(static_cast<std::uint8_t>(n)).chars(s, n);
}

writer& writer::string16(std::string_view s, std::size_t max) {
    return bytes16(as_bytes(s), max);
}

writer& writer::bytes16(byte_span b, std::size_t max) {
    const auto n = cut_length<std::uint16_t>(b.size(), max);
    return u16(static_cast<std::uint16_t>(n)).bytes(b.first(n));
}

void writer::patch_u16(std::size_t at, std::uint16_t v) {
    if (at + 2 > bytes_.size())
        throw std::logic_error("wire::writer: patch beyond what was written");
    put_be(bytes_.data() + at, v);
}

std::string reader::string16(std::size_t max, const char* what) {
    const auto len = u16(what);
    if (len > max) throw wire_error(fmt::format("{} is too long ({} bytes)", what, len));
    return chars(len, what);
}

void reader::finish(const char* what) const {
    if (left() != 0) {
        throw wire_error(
            fmt::format("{} of trailing garbage after {}", plural(left(), "byte"), what));
    }
}

void reader::truncated(const char* what) const {
    throw wire_error(fmt::format("{} truncated in {}", subject_, what));
}

}  // namespace ferry::wire
