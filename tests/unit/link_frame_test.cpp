#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/wire/wire_error.hpp"
#include "relay/link_frame.hpp"

using namespace ferry;
using namespace ferry::relay;

namespace {

const std::string secret_text = "0123456789abcdef-cluster-secret";
const byte_span secret = as_bytes(secret_text);

link_hello sample() {
    link_hello l;
    l.unix_ms = 1'764'000'000'123;
    for (std::size_t i = 0; i < l.nonce.size(); ++i)
        l.nonce[i] = static_cast<std::uint8_t>(0xa0 + i);
    l.client_address = "203.0.113.7:51234";
    l.hello = {0x46, 0x52, 0x4c, 0x59, 0x01, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x07};  // CLAIM 7
    return l;
}

// Feeds bytes in pieces of at most `piece`: the LINK once complete, nullopt if the bytes ran
// out first. Checks that the reader never asks past the LINK.
std::optional<link_hello> read(const std::vector<std::uint8_t>& bytes, std::size_t piece,
                               byte_span key = secret) {
    link_reader r(key);
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        auto want = r.wanted();
        REQUIRE(!want.empty());
        const auto n = std::min({want.size(), piece, bytes.size() - pos});
        std::memcpy(want.data(), bytes.data() + pos, n);
        pos += n;
        if (r.commit(n)) {
            REQUIRE(pos == bytes.size());
            return r.result();
        }
    }
    return std::nullopt;
}

bool same(const link_hello& a, const link_hello& b) {
    return a.unix_ms == b.unix_ms && a.nonce == b.nonce && a.client_address == b.client_address &&
           a.hello == b.hello;
}

}  // namespace

TEST_CASE("a LINK reads back whole, split at every offset", "[link]") {
    const auto l = sample();
    const auto bytes = encode_link(l, secret);
    REQUIRE(bytes.size() == link_fixed_size + l.client_address.size() + 2 + l.hello.size() + 32);
    for (std::size_t piece = 1; piece <= bytes.size(); ++piece) {
        const auto got = read(bytes, piece);
        REQUIRE(got);
        REQUIRE(same(*got, l));
    }
    // Split into two at every offset, the way a socket may deliver it.
    for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
        link_reader r(secret);
        std::size_t pos = 0;
        bool done = false;
        while (!done) {
            auto want = r.wanted();
            const auto limit = pos < cut ? cut : bytes.size();
            const auto n = std::min(want.size(), limit - pos);
            std::memcpy(want.data(), bytes.data() + pos, n);
            pos += n;
            done = r.commit(n);
        }
        REQUIRE(same(r.result(), l));
    }
}

TEST_CASE("a LINK with any byte changed is never taken", "[link]") {
    const auto bytes = encode_link(sample(), secret);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        for (const std::uint8_t flip : std::array<std::uint8_t, 3>{0x01, 0x80, 0xff}) {
            auto bad = bytes;
            bad[i] ^= flip;
            std::optional<link_hello> got;
            try {
                got = read(bad, bad.size());
            } catch (const wire_error&) {
                continue;
            }
            REQUIRE_FALSE(got);  // a length grew: the reader waits for bytes that never come
        }
    }
}

TEST_CASE("a LINK under another secret is refused as unauthenticated", "[link]") {
    const auto bytes = encode_link(sample(), secret);
    const std::string other = "another-secret-of-the-same-size";
    REQUIRE_THROWS_WITH(read(bytes, bytes.size(), as_bytes(other)),
                        Catch::Contains("not authenticated"));
}

TEST_CASE("a LINK refuses bad magic, version and lengths with a clear error", "[link]") {
    const auto bytes = encode_link(sample(), secret);
    auto with = [&](std::size_t at, std::uint8_t v) {
        auto b = bytes;
        b[at] = v;
        return b;
    };
    REQUIRE_THROWS_WITH(read(with(0, 'X'), 64), Catch::Contains("bad magic"));
    REQUIRE_THROWS_WITH(read(with(4, 2), 64), Catch::Contains("version"));
    REQUIRE_THROWS_WITH(read(with(29, 0), 64), Catch::Contains("address length"));
    REQUIRE_THROWS_WITH(read(with(29, 65), 64), Catch::Contains("address length"));
    REQUIRE_THROWS_WITH(read(with(link_fixed_size, 0x07), 64), Catch::Contains("unprintable"));
    const auto hello_length_at = link_fixed_size + sample().client_address.size();
    auto short_hello = with(hello_length_at, 0);
    short_hello[hello_length_at + 1] = 7;
    REQUIRE_THROWS_WITH(read(short_hello, 64), Catch::Contains("hello length"));
    auto long_hello = with(hello_length_at, 0x02);
    long_hello[hello_length_at + 1] = 0x09;  // 521
    REQUIRE_THROWS_WITH(read(long_hello, 64), Catch::Contains("hello length"));
}

TEST_CASE("encode_link refuses what a reader would refuse", "[link]") {
    auto l = sample();
    l.client_address = std::string(65, 'a');
    REQUIRE_THROWS_AS(encode_link(l, secret), std::invalid_argument);
    l.client_address = "bad address";
    REQUIRE_THROWS_AS(encode_link(l, secret), std::invalid_argument);
    l = sample();
    l.hello.resize(7);
    REQUIRE_THROWS_AS(encode_link(l, secret), std::invalid_argument);
    l.hello.resize(521);
    REQUIRE_THROWS_AS(encode_link(l, secret), std::invalid_argument);
}

TEST_CASE("a LINK is taken once, and only within the clock skew", "[link]") {
    link_guard guard(std::chrono::seconds(30));
    auto l = sample();
    const auto now = l.unix_ms;
    REQUIRE(guard.accept(l, now));
    REQUIRE_FALSE(guard.accept(l, now + 1000));  // replayed
    l.nonce[0] ^= 1;
    REQUIRE_FALSE(guard.accept(l, now + 30'001));  // too old
    REQUIRE_FALSE(guard.accept(l, now - 30'001));  // from the future
    REQUIRE(guard.accept(l, now + 30'000));
    // Long after, the first nonce is forgotten, and its LINK is too old to be taken anyway.
    l.nonce[0] ^= 1;
    REQUIRE_FALSE(guard.accept(l, now + 120'000));
    l.unix_ms = now + 120'000;
    REQUIRE(guard.accept(l, now + 120'000));
}

TEST_CASE("the LINK example of docs/protocol.md", "[link][example]") {
    // Computed with Python's hmac module, independently of this code.
    const std::string expected =
        "464c4e4b010000019ab697e87ba0a1a2a3a4a5a6a7a8a9aaabacadaeaf113230332e302e3131332e373a35"
        "31323334000c46524c590102000400000007d7f57a30529e4b4de737054ab4395a6078a0ef0bed112f8ee9"
        "dcb19eb75f8ded";
    const auto l = sample();  // the example's fields
    const std::string key = "0123456789abcdef";
    const auto bytes = encode_link(l, as_bytes(key));
    std::string hex;
    for (const auto b : bytes)
        hex += fmt::format("{:02x}", b);
    CHECK(hex == expected);
    const auto back = read(bytes, bytes.size(), as_bytes(key));
    REQUIRE(back);
    CHECK(same(*back, l));
}
