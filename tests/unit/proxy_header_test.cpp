#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "common/wire/wire_error.hpp"
#include "relay/proxy_header.hpp"

using namespace ferry;

namespace {

// Feeds bytes in pieces of at most `piece`; returns the result and how many bytes were consumed.
std::pair<proxy::source, std::size_t> read(const std::vector<std::uint8_t>& bytes,
                                           std::size_t piece) {
    proxy::header_reader r;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        auto want = r.wanted();
        REQUIRE(!want.empty());
        const auto n = std::min({want.size(), piece, bytes.size() - pos});
        std::memcpy(want.data(), bytes.data() + pos, n);
        pos += n;
        if (r.commit(n)) return {r.result(), pos};
    }
    throw std::runtime_error("incomplete");
}

std::vector<std::uint8_t> bytes_of(const std::string& s) {
    return {s.begin(), s.end()};
}

std::vector<std::uint8_t> v2(std::uint8_t command, std::uint8_t family,
                             const std::vector<std::uint8_t>& body) {
    std::vector<std::uint8_t> out{0x0d,
                                  0x0a,
                                  0x0d,
                                  0x0a,
                                  0x00,
                                  0x0d,
                                  0x0a,
                                  0x51,
                                  0x55,
                                  0x49,
                                  0x54,
                                  0x0a,
                                  static_cast<std::uint8_t>(0x20 | command),
                                  family,
                                  static_cast<std::uint8_t>(body.size() >> 8),
                                  static_cast<std::uint8_t>(body.size())};
    out.resize(16 + body.size());  // (resize + copy: GCC 12 warns falsely about insert here)
    std::copy(body.begin(), body.end(), out.begin() + 16);
    return out;
}

}  // namespace

TEST_CASE("PROXY v1 headers give the client address and nothing is read past them", "[proxy]") {
    auto tcp4 = bytes_of("PROXY TCP4 203.0.113.7 10.0.0.1 51000 9009\r\n");
    const auto header_size = tcp4.size();
    tcp4.push_back('F');  // the client's own first byte must stay unread
    for (std::size_t piece = 1; piece <= header_size; ++piece) {
        const auto [src, used] = read(tcp4, piece);
        CHECK(src.address == "203.0.113.7");
        CHECK(src.port == 51000);
        CHECK(used == header_size);
    }
    const auto [v6, used6] = read(bytes_of("PROXY TCP6 2001:db8::1 ::1 4000 9009\r\n"), 7);
    CHECK(v6.address == "2001:db8::1");
    CHECK(v6.port == 4000);
    CHECK(read(bytes_of("PROXY UNKNOWN\r\n"), 3).first.address.empty());
    CHECK(read(bytes_of("PROXY UNKNOWN ffff::1 ::1 1 2\r\n"), 100).first.address.empty());
}

TEST_CASE("PROXY v2 headers give the client address, LOCAL keeps the connection's", "[proxy]") {
    const auto tcp4 = v2(1, 0x11, {203, 0, 113, 9, 10, 0, 0, 1, 0xc3, 0x50, 0x23, 0x31});
    for (std::size_t piece = 1; piece <= tcp4.size(); ++piece) {
        const auto [src, used] = read(tcp4, piece);
        CHECK(src.address == "203.0.113.9");
        CHECK(src.port == 50000);
        CHECK(used == tcp4.size());
    }
    std::vector<std::uint8_t> six(36, 0);
    six[0] = 0x20;
    six[1] = 0x01;
    six[2] = 0x0d;
    six[3] = 0xb8;
    six[15] = 0x05;
    six[32] = 0x01;
    six[33] = 0x02;
    const auto [src6, used6] = read(v2(1, 0x21, six), 5);
    CHECK(src6.address == "2001:db8::5");
    CHECK(src6.port == 0x0102);
    std::vector<std::uint8_t> with_tlv{203, 0, 113, 9, 10, 0, 0, 1, 0, 1, 0, 2, 0x04, 0, 1, 0};
    CHECK(read(v2(1, 0x11, with_tlv), 4).first.address == "203.0.113.9");
    CHECK(read(v2(0, 0x00, {}), 16).first.address.empty());         // LOCAL health check
    CHECK(read(v2(1, 0x31, {1, 2, 3}), 16).first.address.empty());  // AF_UNIX: keep
}

TEST_CASE("bad PROXY headers are refused with a clear error", "[proxy]") {
    const std::vector<std::string> bad_v1{
        "FRLY\x01\x01\x00\x00",  // a ferry hello where a PROXY header must come
        "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n\n",
        "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n",
        "PROXY TCP4 1.2.3.999 5.6.7.8 1 2\r\n",
        "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",
        "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
        "PROXY TCP4 ::1 ::1 1 2\r\n",
        "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
        "PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n",
        "PROXY " + std::string(200, 'x'),
    };
    for (const auto& text : bad_v1) {
        INFO(text.substr(0, 40));
        CHECK_THROWS_AS(read(bytes_of(text), 1), wire_error);
    }
    auto bad_signature = v2(1, 0x11, std::vector<std::uint8_t>(12));
    bad_signature[8] = 'X';
    CHECK_THROWS_WITH(read(bad_signature, 16), Catch::Contains("signature"));
    auto bad_version = v2(1, 0x11, std::vector<std::uint8_t>(12));
    bad_version[12] = 0x31;
    CHECK_THROWS_AS(read(bad_version, 16), wire_error);
    CHECK_THROWS_AS(read(v2(2, 0x11, std::vector<std::uint8_t>(12)), 16), wire_error);
    CHECK_THROWS_WITH(read(v2(1, 0x11, {1, 2, 3}), 16), Catch::Contains("truncated"));
    CHECK_THROWS_WITH(read(v2(1, 0x21, std::vector<std::uint8_t>(20)), 16),
                      Catch::Contains("truncated"));
    auto too_long = v2(1, 0x11, {});
    too_long[14] = 0x10;  // 4096 bytes announced
    CHECK_THROWS_WITH(read(too_long, 16), Catch::Contains("too long"));
}
