#include "common/wire/lan.hpp"

namespace ferry::lan {

namespace {
constexpr std::uint8_t magic[4] = {'F', 'R', 'L', 'N'};
constexpr std::uint8_t version = 1;
}  // namespace

std::vector<std::uint8_t> encode(const announcement& a) {
    std::vector<std::uint8_t> out(announcement_size);
    std::copy(std::begin(magic), std::end(magic), out.begin());
    out[4] = version;
    out[5] = 0;
    put_u32(out.data() + 6, a.nameplate);
    put_u16(out.data() + 10, a.port);
    return out;
}

std::optional<announcement> decode(byte_span datagram) {
    if (datagram.size() != announcement_size) return std::nullopt;
    if (!std::equal(std::begin(magic), std::end(magic), datagram.begin())) return std::nullopt;
    if (datagram[4] != version) return std::nullopt;
    if (datagram[5] != 0) return std::nullopt;  // reserved: must be 0 in version 1
    announcement a{get_u32(datagram.data() + 6), get_u16(datagram.data() + 10)};
    if (a.nameplate == 0 || a.port == 0) return std::nullopt;
    return a;
}

}  // namespace ferry::lan
