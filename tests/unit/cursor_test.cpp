#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/wire/cursor.hpp"
#include "common/wire/wire_error.hpp"

using namespace ferry;
using bytes = std::vector<std::uint8_t>;

TEST_CASE("the writer appends big-endian fields", "[cursor]") {
    wire::writer w;
    w.u8(0x01).u16(0x0203).u32(0x04050607).u64(0x08090a0b0c0d0e0f);
    CHECK(w.take() == bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
}

TEST_CASE("the writer cuts strings at their stated max", "[cursor]") {
    wire::writer w;
    w.string8("abc", 2).string16("hello", 4).chars("xyz", 1).bytes16(bytes{9, 9, 9}, 3);
    CHECK(w.take() == bytes{2, 'a', 'b', 0, 4, 'h', 'e', 'l', 'l', 'x', 0, 3, 9, 9, 9});
    CHECK_THROWS_AS(wire::writer().string8("a", 256), std::logic_error);
    CHECK_THROWS_AS(wire::writer().string16("a", 65536), std::logic_error);
}

TEST_CASE("the writer patches a length written before", "[cursor]") {
    wire::writer w;
    w.u8(7).u16(0).bytes(bytes{1, 2, 3});
    w.patch_u16(1, static_cast<std::uint16_t>(w.size() - 3));
    CHECK(w.take() == bytes{7, 0, 3, 1, 2, 3});
    CHECK_THROWS_AS(wire::writer().patch_u16(0, 1), std::logic_error);
}

TEST_CASE("the reader takes back what the writer wrote, as views", "[cursor]") {
    wire::writer w;
    w.u8(0xfe).u16(0xfffe).u32(0xfffffffe).u64(0xfffffffffffffffe).string16("name", 10);
    w.bytes(bytes{1, 2, 3, 4});
    const auto written = w.take();
    wire::reader r(written);
    CHECK(r.u8("a") == 0xfe);
    CHECK(r.u16("b") == 0xfffe);
    CHECK(r.u32("c") == 0xfffffffe);
    CHECK(r.u64("d") == 0xfffffffffffffffe);
    CHECK(r.string16(10, "e") == "name");
    std::array<std::uint8_t, 2> two{};
    r.fill(two, "f");
    CHECK(two == std::array<std::uint8_t, 2>{1, 2});
    const auto rest = r.rest();
    CHECK(rest.data() == written.data() + written.size() - 2);  // no copy
    CHECK(rest.size() == 2);
    CHECK(r.left() == 0);
    CHECK_NOTHROW(r.finish("all"));
}

TEST_CASE("the reader refuses short and over-long input with what it expected", "[cursor]") {
    const bytes three{0, 5, 'a'};
    for (std::size_t cut = 0; cut < three.size(); ++cut) {
        wire::reader r(byte_span(three).first(cut));
        CHECK_THROWS_WITH(r.string16(10, "entry path"), "message truncated in entry path");
    }
    wire::reader link(three, "relay link");
    CHECK_THROWS_WITH(link.u32("time"), "relay link truncated in time");
    const bytes five{0, 5, 'a', 'b', 'c', 'd', 'e'};
    wire::reader long_name(five);
    CHECK_THROWS_WITH(long_name.string16(4, "entry path"), "entry path is too long (5 bytes)");
    wire::reader extra(three);
    extra.u8("type");
    CHECK_THROWS_WITH(extra.finish("hello"), "2 bytes of trailing garbage after hello");
    extra.u8("more");
    CHECK_THROWS_WITH(extra.finish("hello"), "1 byte of trailing garbage after hello");
    CHECK_THROWS_AS(extra.u16("short"), wire_error);
}
