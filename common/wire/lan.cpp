#include "common/wire/lan.hpp"

#include <algorithm>
#include <array>

#include "common/wire/cursor.hpp"

namespace ferry::lan {

namespace {
constexpr std::array<std::uint8_t, 4> magic{'F', 'R', 'L', 'N'};
constexpr std::uint8_t version = 1;
}  // namespace

std::vector<std::uint8_t> encode(const announcement& a) {
    wire::writer w(announcement_size);
    w.bytes(magic).u8(version).u8(0).u32(a.nameplate).u16(a.port);
    return w.take();
}

std::optional<announcement> decode(byte_span datagram) {
    if (datagram.size() != announcement_size) return std::nullopt;
    wire::reader r(datagram, "LAN announcement");
    if (!std::ranges::equal(r.take(magic.size(), "magic"), magic)) return std::nullopt;
    if (r.u8("version") != version) return std::nullopt;
    if (r.u8("reserved") != 0) return std::nullopt;  // reserved: must be 0 in version 1
    announcement a;
    a.nameplate = r.u32("nameplate");
    a.port = r.u16("port");
    if (a.nameplate == 0 || a.port == 0) return std::nullopt;
    return a;
}

}  // namespace ferry::lan
