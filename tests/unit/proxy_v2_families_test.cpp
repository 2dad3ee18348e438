// PROXY v2: what each address family gives, read split at every offset (docs/protocol.md §0).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "common/wire/wire_error.hpp"
#include "relay/proxy_header.hpp"

using namespace ferry;

namespace {

using bytes = std::vector<std::uint8_t>;

bytes v2_header(std::uint8_t command, std::uint8_t family, const bytes& body) {
    bytes out{0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
    out.push_back(static_cast<std::uint8_t>(0x20 | command));
    out.push_back(family);
    out.push_back(static_cast<std::uint8_t>(body.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(body.size()));
    out.resize(16 + body.size());  // (resize + copy: GCC 12 warns falsely about insert here)
    std::copy(body.begin(), body.end(), out.begin() + 16);
    return out;
}

// Reads `header` followed by a byte of the client's own, the bytes up to `split` first and then
// the rest (the reader asks for exact sizes, never past the header): the source it gives.
proxy::source read_split(const bytes& header, std::size_t split) {
    auto stream = header;
    stream.push_back('F');
    proxy::header_reader r;
    std::size_t pos = 0;
    for (bool done = false; !done;) {
        auto want = r.wanted();
        REQUIRE(!want.empty());
        const auto arrived = pos < split ? split - pos : stream.size() - pos;
        const auto n = std::min(want.size(), arrived);
        std::memcpy(want.data(), stream.data() + pos, n);
        pos += n;
        done = r.commit(n);
    }
    CHECK(pos == header.size());  // the client's byte is left unread
    return r.result();
}

// For every split offset: the address and port the header gives.
void expect_source(const bytes& header, const std::string& address, std::uint16_t port) {
    for (std::size_t split = 1; split <= header.size(); ++split) {
        INFO("split at " << split);
        const auto src = read_split(header, split);
        CHECK(src.address == address);
        CHECK(src.port == port);
    }
}

const bytes ipv4_body{203, 0, 113, 9, 10, 0, 0, 1, 0xc3, 0x50, 0x23, 0x31};  // :50000 -> :9009

bytes ipv6_body() {
    bytes b(36, 0);
    const std::uint8_t src[] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05};
    std::copy(std::begin(src), std::end(src), b.begin());
    b[31] = 1;  // dst ::1
    b[32] = 0x01;
    b[33] = 0x02;  // sport 258
    b[34] = 0x23;
    b[35] = 0x31;
    return b;
}

}  // namespace

TEST_CASE("PROXY v2 0x11 TCP over IPv4 gives the source address", "[proxy]") {
    expect_source(v2_header(1, 0x11, ipv4_body), "203.0.113.9", 50000);
}

TEST_CASE("PROXY v2 0x12 UDP over IPv4 gives the source address", "[proxy]") {
    expect_source(v2_header(1, 0x12, ipv4_body), "203.0.113.9", 50000);
}

TEST_CASE("PROXY v2 0x21 TCP over IPv6 gives the source address", "[proxy]") {
    expect_source(v2_header(1, 0x21, ipv6_body()), "2001:db8::5", 258);
}

TEST_CASE("PROXY v2 0x22 UDP over IPv6 gives the source address", "[proxy]") {
    expect_source(v2_header(1, 0x22, ipv6_body()), "2001:db8::5", 258);
}

TEST_CASE("PROXY v2 0x00 UNSPEC and 0x31 0x32 UNIX keep the connection's address", "[proxy]") {
    expect_source(v2_header(1, 0x00, {}), "", 0);
    expect_source(v2_header(1, 0x00, {0xaa, 0xbb}), "", 0);  // anything there is skipped
    const bytes unix_paths(216, 'p');                        // src 108, dst 108
    expect_source(v2_header(1, 0x31, unix_paths), "", 0);
    expect_source(v2_header(1, 0x32, unix_paths), "", 0);
}

TEST_CASE("PROXY v2 LOCAL keeps the connection's address whatever its family", "[proxy]") {
    expect_source(v2_header(0, 0x00, {}), "", 0);
    expect_source(v2_header(0, 0x11, ipv4_body), "", 0);
    expect_source(v2_header(0, 0x22, ipv6_body()), "", 0);
}

TEST_CASE("PROXY v2 families that the protocol does not define are refused", "[proxy]") {
    for (const int family : {0x01, 0x10, 0x13, 0x23, 0x30, 0x41, 0xff}) {
        INFO("family " << family);
        CHECK_THROWS_WITH(
            read_split(v2_header(1, static_cast<std::uint8_t>(family), ipv6_body()), 16),
            Catch::Contains("address family"));
    }
    CHECK_THROWS_WITH(read_split(v2_header(1, 0x12, {1, 2, 3}), 16), Catch::Contains("truncated"));
    CHECK_THROWS_WITH(read_split(v2_header(1, 0x22, bytes(20)), 16), Catch::Contains("truncated"));
}
