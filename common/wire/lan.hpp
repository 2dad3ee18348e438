#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/wire/bytes.hpp"

// LAN mode discovery: a sender with its own relay announces, by UDP multicast on the local link,
// which nameplate it holds and on which TCP port its relay listens. Never the code words.
// Datagram (12 bytes): "FRLN" | version u8 (1) | reserved u8 (0) | nameplate u32 | port u16.
namespace ferry::lan {

inline constexpr std::uint16_t udp_port = 9009;
inline constexpr std::string_view group_v4 = "239.255.90.9";  // administratively scoped, TTL 1
inline constexpr std::string_view group_v6 = "ff02::9009:1";  // link-local scope
inline constexpr std::size_t announcement_size = 12;

struct announcement {
    std::uint32_t nameplate = 0;
    std::uint16_t port = 0;
};

std::vector<std::uint8_t> encode(const announcement& a);
// nullopt for anything that is not a valid version-1 announcement (reserved byte 0 included).
std::optional<announcement> decode(byte_span datagram);

}  // namespace ferry::lan
