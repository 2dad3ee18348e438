#include <catch2/catch.hpp>

#include "common/wire/lan.hpp"

using namespace ferry;

TEST_CASE("LAN announcements round-trip and are exactly as documented", "[lan]") {
    const auto bytes = lan::encode({7, 0x1234});
    CHECK(bytes == std::vector<std::uint8_t>{'F', 'R', 'L', 'N', 1, 0, 0, 0, 0, 7, 0x12, 0x34});
    const auto back = lan::decode(bytes);
    REQUIRE(back.has_value());
    CHECK(back->nameplate == 7);
    CHECK(back->port == 0x1234);
}

TEST_CASE("anything else on the LAN port is ignored", "[lan]") {
    const auto good = lan::encode({42, 9009});
    for (std::size_t len = 0; len < good.size(); ++len) {
        CHECK_FALSE(lan::decode(std::span(good).first(len)).has_value());
    }
    auto longer = good;
    longer.push_back(0);
    CHECK_FALSE(lan::decode(longer).has_value());
    for (std::size_t i = 0; i < 6; ++i) {  // magic, version, reserved
        INFO("byte " << i);
        auto bad = good;
        bad[i] ^= 0x40;
        CHECK_FALSE(lan::decode(bad).has_value());
    }
    CHECK_FALSE(lan::decode(lan::encode({0, 9009})).has_value());
    CHECK_FALSE(lan::decode(lan::encode({42, 0})).has_value());
}

TEST_CASE("a LAN announcement whose reserved byte is not 0 is ignored", "[lan]") {
    const auto good = lan::encode({42, 9009});
    REQUIRE(good[5] == 0);
    for (int value = 1; value <= 0xff; ++value) {
        INFO("reserved byte " << value);
        auto bad = good;
        bad[5] = static_cast<std::uint8_t>(value);
        CHECK_FALSE(lan::decode(bad).has_value());
    }
}
