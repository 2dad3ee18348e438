#include <catch2/catch.hpp>

#include "common/transfer/message.hpp"
#include "common/wire/wire_error.hpp"

using namespace ferry;

namespace {

msg::digest some_digest() {
    msg::digest d{};
    for (std::size_t i = 0; i < d.size(); ++i)
        d[i] = static_cast<std::uint8_t>(i);
    return d;
}

}  // namespace

TEST_CASE("transfer messages round-trip", "[message]") {
    const std::vector<std::uint8_t> bytes{9, 8, 7};
    const std::vector<msg::message> all{
        msg::offer{0, 0x0102030405060708ULL, "report.pdf"},
        msg::accept{},
        msg::refuse{msg::reason::no_space, "1 MiB free"},
        msg::data{bytes},
        msg::done{some_digest()},
        msg::verified{some_digest()},
        msg::abort{msg::reason::local_io, "disk full"},
        msg::keepalive{},
        msg::hello{2, 0x0102030405060708ULL, "0.2.0"},
        msg::offer{2, 11, ""},
    };
    for (const auto& m : all) {
        const auto wire = msg::encode(m);
        const auto back = msg::decode(wire);
        REQUIRE(back.index() == m.index());
        CHECK(msg::encode(back) == wire);
    }
    const auto offer = msg::encode(msg::offer{0, 5, "ab"});
    CHECK(offer == std::vector<std::uint8_t>{1, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 2, 'a', 'b'});
    CHECK(msg::encode(msg::keepalive{}) == std::vector<std::uint8_t>{0x08});
    // HELLO as docs/protocol.md shows it: version 2, features 0x7, "0.2.0".
    CHECK(msg::encode(msg::hello{2, 7, "0.2.0"}) ==
          std::vector<std::uint8_t>{0x10, 2, 0, 0, 0, 0, 0, 0, 0, 7, 5, '0', '.', '2', '.', '0'});
    // A text offer of 11 bytes: kind 2, no name.
    CHECK(msg::encode(msg::offer{2, 11, ""}) ==
          std::vector<std::uint8_t>{1, 2, 0, 0, 0, 0, 0, 0, 0, 11, 0, 0});
    std::vector<std::uint8_t> long_software{0x10, 2, 0, 0, 0, 0, 0, 0, 0, 1, 33};
    long_software.resize(long_software.size() + 33, 'v');
    CHECK_THROWS_WITH(msg::decode(long_software), Catch::Contains("too long"));
    CHECK_THROWS_WITH(msg::decode(std::vector<std::uint8_t>{0x08, 0}),
                      Catch::Contains("trailing garbage"));
}

TEST_CASE("every truncation of a message is refused", "[message]") {
    const std::vector<msg::message> all{
        msg::offer{0, 77, "name.txt"},
        msg::refuse{msg::reason::declined, "no"},
        msg::done{some_digest()},
        msg::verified{some_digest()},
        msg::abort{msg::reason::cancelled, "bye"},
        msg::hello{2, 1, "0.2.0"},
    };
    for (const auto& m : all) {
        const auto wire = msg::encode(m);
        for (std::size_t len = 0; len < wire.size(); ++len) {
            CHECK_THROWS_AS(msg::decode(std::span(wire).first(len)), wire_error);
        }
        auto longer = wire;
        longer.push_back(0);
        CHECK_THROWS_WITH(msg::decode(longer), Catch::Contains("trailing garbage"));
    }
}

TEST_CASE("malformed messages are refused with a clear error", "[message]") {
    CHECK_THROWS_WITH(msg::decode(std::vector<std::uint8_t>{0x55}),
                      Catch::Contains("unknown message type"));
    CHECK_THROWS_WITH(msg::decode(std::vector<std::uint8_t>{4}), Catch::Contains("empty data"));
    CHECK_THROWS_WITH(msg::decode(std::vector<std::uint8_t>{1, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
                      Catch::Contains("unsupported offer kind"));
    CHECK_THROWS_WITH(msg::decode(std::vector<std::uint8_t>{3, 99, 0, 0}),
                      Catch::Contains("unknown reason"));
    std::vector<std::uint8_t> long_name{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    long_name.resize(long_name.size() + 0xffff, 'a');
    CHECK_THROWS_WITH(msg::decode(long_name), Catch::Contains("too long"));
    std::vector<std::uint8_t> long_text{3, 1, 0xff, 0xff};
    long_text.resize(long_text.size() + 0xffff, 'a');
    CHECK_THROWS_WITH(msg::decode(long_text), Catch::Contains("too long"));
}

TEST_CASE("garbage is refused cleanly and whatever decodes encodes back the same", "[message]") {
    std::uint32_t state = 99;
    int decoded = 0;
    int refused = 0;
    for (int round = 0; round < 5000; ++round) {
        std::vector<std::uint8_t> junk(static_cast<std::size_t>(round % 50));
        for (auto& b : junk) {
            state = state * 1664525 + 1013904223;
            b = static_cast<std::uint8_t>(state >> 24);
        }
        if (!junk.empty()) junk[0] = static_cast<std::uint8_t>(1 + round % 7);
        // Any exception but wire_error fails the test case.
        try {
            const auto m = msg::decode(junk);
            ++decoded;
            INFO("round " << round);
            CHECK(msg::encode(m) == junk);
        } catch (const wire_error&) {
            ++refused;
        }
    }
    // Both paths were taken: the junk is neither all valid nor all refused at the first byte.
    CHECK(decoded > 100);
    CHECK(refused > 100);
}

TEST_CASE("text offers carry no name and at most 64 KiB, streams no size", "[message]") {
    CHECK(std::get<msg::offer>(msg::decode(msg::encode(msg::offer{2, 65536, ""}))).size == 65536);
    CHECK_THROWS_WITH(msg::decode(msg::encode(msg::offer{2, 65537, ""})),
                      Catch::Contains("over the limit"));
    CHECK_THROWS_WITH(msg::decode(msg::encode(msg::offer{2, 5, "a.txt"})),
                      Catch::Contains("carries a name"));
    // A stream (kind 1) has no size; 3 and up mean nothing yet.
    CHECK(std::get<msg::offer>(msg::decode(msg::encode(msg::offer{1, 0, "stdin"}))).name ==
          "stdin");
    CHECK_THROWS_WITH(msg::decode(msg::encode(msg::offer{1, 5, "stdin"})),
                      Catch::Contains("no size"));
    for (const std::uint8_t kind : {3, 4, 255}) {
        CHECK_THROWS_WITH(msg::decode(msg::encode(msg::offer{kind, 5, "a"})),
                          Catch::Contains("unsupported offer kind"));
    }
}
