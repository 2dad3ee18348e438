#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <vector>

#include "common/session/record_channel.hpp"
#include "common/wire/frame_reader.hpp"
#include "common/wire/relay_frame.hpp"
#include "common/wire/wire_error.hpp"

using namespace ferry;
namespace rp = ferry::relay_proto;

namespace {

// Feeds `bytes` in pieces of the given sizes (cycled); returns how many frames completed and
// checks that the reader never offers more room than the frame still needs.
template <class Format>
std::vector<std::vector<std::uint8_t>> feed(frame_reader<Format>& reader,
                                            const std::vector<std::uint8_t>& bytes,
                                            std::size_t piece) {
    std::vector<std::vector<std::uint8_t>> frames;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        auto want = reader.wanted();
        REQUIRE(!want.empty());
        const auto n = std::min({want.size(), piece, bytes.size() - pos});
        std::memcpy(want.data(), bytes.data() + pos, n);
        pos += n;
        if (reader.commit(n)) {
            std::vector<std::uint8_t> whole(reader.header().begin(), reader.header().end());
            whole.insert(whole.end(), reader.payload().begin(), reader.payload().end());
            frames.push_back(whole);
            reader.reset();
        }
    }
    return frames;
}

std::vector<std::uint8_t> record(const std::vector<std::uint8_t>& payload) {
    std::vector<std::uint8_t> out(4 + payload.size());
    put_u32(out.data(), static_cast<std::uint32_t>(payload.size()));
    std::copy(payload.begin(), payload.end(), out.begin() + 4);
    return out;
}

}  // namespace

TEST_CASE("relay frames round-trip", "[relay_frame]") {
    const std::vector<rp::frame> frames{
        {rp::frame_type::allocate, 0, {}, {}},
        {rp::frame_type::claim, 7, {}, {}},
        {rp::frame_type::ping, 0, {}, {}},
        {rp::frame_type::allocated, 123456, {}, {}},
        {rp::frame_type::paired, 0, {}, {}},
        {rp::frame_type::pong, 0, {}, "ferry-relay 1"},
        {rp::frame_type::error, 0, rp::error_code::unknown_nameplate, "no sender is waiting"},
    };
    for (const auto& f : frames) {
        const auto bytes = rp::encode(f);
        REQUIRE(bytes.size() >= rp::header_size);
        CHECK(bytes[0] == 'F');
        CHECK(bytes[4] == rp::version);
        frame_reader<rp::format> reader(rp::max_payload);
        const auto got = feed(reader, bytes, bytes.size());
        REQUIRE(got.size() == 1);
        const auto d = rp::decode(std::span(got[0]).first(rp::header_size),
                                  std::span(got[0]).subspan(rp::header_size));
        CHECK(got[0] == bytes);
        CHECK(d.type == f.type);
        CHECK(d.nameplate == f.nameplate);
        CHECK(d.error == f.error);
        CHECK(d.text == f.text);
    }
}

TEST_CASE("relay frame bytes are exactly as documented", "[relay_frame]") {
    const auto claim = rp::encode({rp::frame_type::claim, 0x01020304, {}, {}});
    CHECK(claim == std::vector<std::uint8_t>{'F', 'R', 'L', 'Y', 1, 0x02, 0, 4, 1, 2, 3, 4});
    const auto allocate = rp::encode({rp::frame_type::allocate, 0, {}, {}});
    CHECK(allocate == std::vector<std::uint8_t>{'F', 'R', 'L', 'Y', 1, 0x01, 0, 0});
    // RECONNECT id 00..0f, receiver: docs/protocol.md §1.
    rp::frame reconnect{rp::frame_type::reconnect, 0, {}, {}};
    for (std::size_t i = 0; i < reconnect.id.size(); ++i)
        reconnect.id[i] = static_cast<std::uint8_t>(i);
    reconnect.side = rp::role::receiver;
    const auto bytes = rp::encode(reconnect);
    std::vector<std::uint8_t> expected{'F', 'R', 'L', 'Y', 1, 0x04, 0, 17};
    for (std::uint8_t i = 0; i < 16; ++i)
        expected.push_back(i);
    expected.push_back(1);
    CHECK(bytes == expected);
    const auto back = rp::decode(std::span(bytes).first(rp::header_size),
                                 std::span(bytes).subspan(rp::header_size));
    CHECK(back.id == reconnect.id);
    CHECK(back.side == rp::role::receiver);
    // Its payload is exactly 17 bytes, the role 0 or 1.
    const std::vector<std::uint8_t> reconnect_header{'F', 'R', 'L', 'Y', 1, 0x04, 0, 17};
    auto bad_role = std::vector<std::uint8_t>(bytes.begin() + 8, bytes.end());
    bad_role.back() = 2;
    CHECK_THROWS_WITH(rp::decode(reconnect_header, bad_role), Catch::Contains("role"));
    const std::vector<std::uint8_t> short_id(16, 0);
    CHECK_THROWS_AS(rp::decode(reconnect_header, short_id), wire_error);
}

TEST_CASE("relay frames survive a split at every byte offset", "[relay_frame]") {
    std::vector<std::uint8_t> stream;
    for (const auto& f : {rp::frame{rp::frame_type::claim, 42, {}, {}},
                          rp::frame{rp::frame_type::error, 0, rp::error_code::relay_full, "full"},
                          rp::frame{rp::frame_type::paired, 0, {}, {}}}) {
        const auto b = rp::encode(f);
        stream.insert(stream.end(), b.begin(), b.end());
    }
    for (std::size_t piece = 1; piece <= stream.size(); ++piece) {
        frame_reader<rp::format> reader(rp::max_payload);
        const auto frames = feed(reader, stream, piece);
        REQUIRE(frames.size() == 3);
        CHECK(!reader.started());
    }
    // One split at each offset: the first read ends there, the second has the rest.
    const auto one = rp::encode({rp::frame_type::claim, 42, {}, {}});
    for (std::size_t cut = 0; cut <= one.size(); ++cut) {
        frame_reader<rp::format> reader(rp::max_payload);
        std::size_t pos = 0;
        bool done = false;
        for (const auto len : {cut, one.size() - cut}) {
            std::size_t left = len;
            while (left > 0 && !done) {
                auto want = reader.wanted();
                const auto n = std::min(want.size(), left);
                std::memcpy(want.data(), one.data() + pos, n);
                pos += n;
                left -= n;
                done = reader.commit(n);
            }
        }
        REQUIRE(done);
        CHECK(rp::decode(reader.header(), reader.payload()).nameplate == 42);
    }
}

TEST_CASE("every truncation of a relay frame is incomplete never a frame", "[relay_frame]") {
    const auto bytes = rp::encode({rp::frame_type::error, 0, rp::error_code::bad_hello, "bad"});
    for (std::size_t len = 0; len < bytes.size(); ++len) {
        frame_reader<rp::format> reader(rp::max_payload);
        const std::vector<std::uint8_t> part(bytes.begin(), bytes.begin() + static_cast<long>(len));
        CHECK(feed(reader, part, 1).empty());
        CHECK(!reader.complete());
    }
}

TEST_CASE("bad relay frames are refused with a clear error", "[relay_frame]") {
    frame_reader<rp::format> reader(rp::max_payload);
    auto try_header = [&](std::vector<std::uint8_t> h) {
        reader.reset();
        std::memcpy(reader.wanted().data(), h.data(), h.size());
        return reader.commit(h.size());
    };
    CHECK_THROWS_WITH(try_header({'G', 'E', 'T', ' ', '/', ' ', 'H', 'T'}),
                      Catch::Contains("bad magic"));
    CHECK_THROWS_WITH(try_header({'F', 'R', 'L', 'Y', 9, 1, 0, 0}), Catch::Contains("version 9"));
    CHECK_THROWS_WITH(try_header({'F', 'R', 'L', 'Y', 1, 0x77, 0, 0}),
                      Catch::Contains("unknown relay frame type"));
    CHECK_THROWS_WITH(try_header({'F', 'R', 'L', 'Y', 1, 1, 0xff, 0xff}),
                      Catch::Contains("over the limit"));
    // Payload shape per type.
    const std::vector<std::uint8_t> claim_header{'F', 'R', 'L', 'Y', 1, 2, 0, 3};
    const std::vector<std::uint8_t> three{1, 2, 3};
    CHECK_THROWS_AS(rp::decode(claim_header, three), wire_error);
    const std::vector<std::uint8_t> zero{0, 0, 0, 0};
    CHECK_THROWS_WITH(rp::decode(claim_header, zero), Catch::Contains("nameplate 0"));
    const std::vector<std::uint8_t> error_header{'F', 'R', 'L', 'Y', 1, 0x1f, 0, 0};
    CHECK_THROWS_AS(rp::decode(error_header, {}), wire_error);
    // ERROR and PONG texts: up to the 400 bytes encode() writes, not the 511 a frame could hold.
    std::vector<std::uint8_t> error_text(1 + rp::max_message, 'e');
    error_text[0] = 2;
    CHECK(rp::decode(error_header, error_text).text.size() == rp::max_message);
    error_text.push_back('e');
    CHECK_THROWS_WITH(rp::decode(error_header, error_text), Catch::Contains("over the limit"));
    const std::vector<std::uint8_t> pong_header{'F', 'R', 'L', 'Y', 1, 0x13, 0, 0};
    std::vector<std::uint8_t> pong_text(rp::max_message, 'p');
    CHECK(rp::decode(pong_header, pong_text).text.size() == rp::max_message);
    pong_text.push_back('p');
    CHECK_THROWS_WITH(rp::decode(pong_header, pong_text), Catch::Contains("over the limit"));
}

TEST_CASE("garbage is refused cleanly and every frame read from it encodes back the same",
          "[relay_frame]") {
    constexpr std::array<std::uint8_t, 7> known{0x01, 0x02, 0x03, 0x11, 0x12, 0x13, 0x1f};
    std::uint32_t state = 12345;
    int frames = 0;
    int refused = 0;
    for (int round = 0; round < 2000; ++round) {
        std::vector<std::uint8_t> junk(static_cast<std::size_t>(round % 40));
        for (auto& b : junk) {
            state = state * 1103515245 + 12345;
            b = static_cast<std::uint8_t>(state >> 16);
        }
        if (round % 3 == 0 && junk.size() >= rp::header_size) {
            // Get past the magic, and often the type and length checks too.
            std::memcpy(junk.data(), "FRLY\x01", 5);
            if (round % 2 == 0) {
                junk[5] = known[static_cast<std::size_t>(junk[5]) % known.size()];
                junk[6] = 0;
                junk[7] = static_cast<std::uint8_t>(junk[7] % 8);
            }
        }
        frame_reader<rp::format> reader(rp::max_payload);
        // Any exception but wire_error fails the test case.
        try {
            for (const auto& f : feed(reader, junk, 3)) {
                const auto d = rp::decode(std::span(f).first(rp::header_size),
                                          std::span(f).subspan(rp::header_size));
                ++frames;
                INFO("round " << round);
                CHECK(rp::encode(d) == f);
            }
        } catch (const wire_error&) {
            ++refused;
        }
    }
    CHECK(frames > 20);
    CHECK(refused > 100);
}

TEST_CASE("records: round trip splits limits", "[record]") {
    std::vector<std::uint8_t> payload(70000);
    for (std::size_t i = 0; i < payload.size(); ++i)
        payload[i] = static_cast<std::uint8_t>(i * 7);
    auto stream = record(payload);
    const auto small = record({0x02});
    stream.insert(stream.end(), small.begin(), small.end());
    for (const std::size_t piece :
         {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{4}, std::size_t{5},
          std::size_t{4095}, std::size_t{65536}, stream.size()}) {
        frame_reader<record_format> reader(max_record_payload);
        const auto frames = feed(reader, stream, piece);
        REQUIRE(frames.size() == 2);
        CHECK(std::equal(payload.begin(), payload.end(), frames[0].begin() + 4));
        CHECK(frames[1].back() == 0x02);
    }
    const auto one = record({1, 2, 3});
    for (std::size_t cut = 0; cut < one.size(); ++cut) {
        frame_reader<record_format> reader(max_record_payload);
        const std::vector<std::uint8_t> part(one.begin(), one.begin() + static_cast<long>(cut));
        CHECK(feed(reader, part, 1).empty());
    }

    frame_reader<record_format> reader(max_record_payload);
    auto header = [&](std::uint32_t len) {
        reader.reset();
        put_u32(reader.wanted().data(), len);
        return reader.commit(4);
    };
    CHECK_THROWS_WITH(header(0), Catch::Contains("empty record"));
    CHECK_THROWS_WITH(header(0xffffffffu), Catch::Contains("over the limit"));  // a 4 GiB length
    CHECK_THROWS_WITH(header(static_cast<std::uint32_t>(max_record_payload + 1)),
                      Catch::Contains("over the limit"));
    CHECK_FALSE(header(static_cast<std::uint32_t>(max_record_payload)));
    CHECK_THROWS_AS(reader.commit(max_record_payload + 1), wire_error);
}

namespace {

rp::frame share_frame_with_ticket(rp::frame_type type, std::uint32_t nameplate,
                                  const std::string& text) {
    rp::frame f{type, nameplate, {}, text};
    for (std::size_t i = 0; i < f.ticket.size(); ++i)
        f.ticket[i] = static_cast<std::uint8_t>(i);
    return f;
}

std::vector<std::uint8_t> with_ticket_00_0f(std::vector<std::uint8_t> head,
                                            const std::string& tail = "") {
    for (std::uint8_t i = 0; i < 16; ++i)
        head.push_back(i);
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
}

}  // namespace

TEST_CASE("share frames are exactly as documented", "[relay_frame][share]") {
    // docs/protocol.md §1: SHARE, JOIN nameplate 7 with ticket 00..0f, ARRIVED for ::1.
    CHECK(rp::encode({rp::frame_type::share, 0, {}, {}}) ==
          std::vector<std::uint8_t>{0x46, 0x52, 0x4c, 0x59, 0x01, 0x05, 0x00, 0x00});
    const auto join = share_frame_with_ticket(rp::frame_type::join, 7, "");
    CHECK(rp::encode(join) == with_ticket_00_0f({0x46, 0x52, 0x4c, 0x59, 0x01, 0x06, 0x00, 0x14,
                                                 0x00, 0x00, 0x00, 0x07}));
    const auto arrived = share_frame_with_ticket(rp::frame_type::arrived, 0, "::1");
    CHECK(rp::encode(arrived) ==
          with_ticket_00_0f({0x46, 0x52, 0x4c, 0x59, 0x01, 0x14, 0x00, 0x13}, "::1"));
    const rp::frame busy{rp::frame_type::error, 0, rp::error_code::share_busy, "x"};
    CHECK(rp::encode(busy) ==
          std::vector<std::uint8_t>{0x46, 0x52, 0x4c, 0x59, 0x01, 0x1f, 0x00, 0x02, 0x0a, 'x'});
    const rp::frame ended{rp::frame_type::error, 0, rp::error_code::share_ended, "x"};
    CHECK(rp::encode(ended) ==
          std::vector<std::uint8_t>{0x46, 0x52, 0x4c, 0x59, 0x01, 0x1f, 0x00, 0x02, 0x0b, 'x'});
    CHECK(rp::describe(rp::error_code::share_busy) == "share busy");
    CHECK(rp::describe(rp::error_code::share_ended) == "share ended");
}

TEST_CASE("share frames round-trip split at every byte offset", "[relay_frame][share]") {
    const std::vector<rp::frame> frames{
        {rp::frame_type::share, 0, {}, {}},
        share_frame_with_ticket(rp::frame_type::join, 0xfedcba98, ""),
        share_frame_with_ticket(rp::frame_type::arrived, 0, "127.0.0.1"),
        share_frame_with_ticket(rp::frame_type::arrived, 0, ""),
        share_frame_with_ticket(rp::frame_type::arrived, 0, std::string(64, 'a')),
        {rp::frame_type::error, 0, rp::error_code::share_busy, "the share has too many"},
        {rp::frame_type::error, 0, rp::error_code::share_ended, "the share has ended"},
    };
    for (const auto& f : frames) {
        const auto bytes = rp::encode(f);
        for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
            INFO("type " << static_cast<int>(f.type) << " cut " << cut);
            frame_reader<rp::format> reader(rp::max_payload);
            const std::vector<std::uint8_t> first(bytes.begin(),
                                                  bytes.begin() + static_cast<long>(cut));
            const std::vector<std::uint8_t> rest(bytes.begin() + static_cast<long>(cut),
                                                 bytes.end());
            auto got = feed(reader, first, first.size() + 1);
            const auto more = feed(reader, rest, rest.size() + 1);
            got.insert(got.end(), more.begin(), more.end());
            REQUIRE(got.size() == 1);
            CHECK(got[0] == bytes);
            const auto d = rp::decode(std::span(got[0]).first(rp::header_size),
                                      std::span(got[0]).subspan(rp::header_size));
            CHECK(d.type == f.type);
            CHECK(d.nameplate == f.nameplate);
            CHECK(d.error == f.error);
            CHECK(d.text == f.text);
            if (f.type != rp::frame_type::error && f.type != rp::frame_type::share)
                CHECK(d.ticket == f.ticket);
        }
    }
}

TEST_CASE("badly shaped share frames are refused", "[relay_frame][share]") {
    const std::vector<std::uint8_t> join_header{'F', 'R', 'L', 'Y', 1, 0x06, 0, 20};
    auto join = std::vector<std::uint8_t>(20, 1);
    CHECK(rp::decode(join_header, join).nameplate == 0x01010101);
    std::fill(join.begin(), join.begin() + 4, 0);
    CHECK_THROWS_WITH(rp::decode(join_header, join), Catch::Contains("nameplate 0"));
    const std::vector<std::uint8_t> short_join(19, 1);
    CHECK_THROWS_WITH(rp::decode(join_header, short_join), Catch::Contains("'join'"));
    const std::vector<std::uint8_t> long_join(21, 1);
    CHECK_THROWS_WITH(rp::decode(join_header, long_join), Catch::Contains("'join'"));
    const std::vector<std::uint8_t> share_header{'F', 'R', 'L', 'Y', 1, 0x05, 0, 1};
    const std::vector<std::uint8_t> one{0};
    CHECK_THROWS_WITH(rp::decode(share_header, one), Catch::Contains("'share'"));
    const std::vector<std::uint8_t> arrived_header{'F', 'R', 'L', 'Y', 1, 0x14, 0, 0};
    const std::vector<std::uint8_t> short_ticket(15, 1);
    CHECK_THROWS_WITH(rp::decode(arrived_header, short_ticket), Catch::Contains("'arrived'"));
    std::vector<std::uint8_t> address(16 + 64, 'a');
    CHECK(rp::decode(arrived_header, address).text.size() == 64);
    address.push_back('a');
    CHECK_THROWS_WITH(rp::decode(arrived_header, address), Catch::Contains("over the limit of 64"));
    // A type beyond the known ones is still refused by its header.
    frame_reader<rp::format> reader(rp::max_payload);
    const std::vector<std::uint8_t> unknown{'F', 'R', 'L', 'Y', 1, 0x0a, 0, 0};
    std::memcpy(reader.wanted().data(), unknown.data(), unknown.size());
    CHECK_THROWS_WITH(reader.commit(unknown.size()),
                      Catch::Contains("unknown relay frame type 0x0a"));
}

TEST_CASE("resumable share frames are encoded as docs/protocol.md says", "[relay_frame][share]") {
    rp::frame share{rp::frame_type::share, 0, {}, {}};
    share.resumable = true;
    CHECK(rp::encode(share) == std::vector<std::uint8_t>{'F', 'R', 'L', 'Y', 1, 0x05, 0, 1, 1});
    const std::vector<std::uint8_t> share_header{'F', 'R', 'L', 'Y', 1, 0x05, 0, 1};
    CHECK(rp::decode(share_header, std::vector<std::uint8_t>{1}).resumable);
    CHECK_FALSE(rp::decode(byte_span(share_header).first(6), {}).resumable);
    for (const auto type : {rp::frame_type::share_opened, rp::frame_type::resume_share}) {
        rp::frame f{type, 7, {}, {}};
        for (std::uint8_t i = 0; i < 16; ++i)
            f.ticket[i] = i;
        const auto bytes = rp::encode(f);
        std::vector<std::uint8_t> expected{'F', 'R', 'L', 'Y', 1, static_cast<std::uint8_t>(type),
                                           0,   20,  0,   0,   0, 7};
        for (std::uint8_t i = 0; i < 16; ++i)
            expected.push_back(i);
        CHECK(bytes == expected);
        const auto back = rp::decode(byte_span(bytes).first(8), byte_span(bytes).subspan(8));
        CHECK(back.nameplate == 7);
        CHECK(back.ticket == f.ticket);
    }
    const rp::frame end{rp::frame_type::end_share, 0, {}, {}};
    CHECK(rp::encode(end) == std::vector<std::uint8_t>{'F', 'R', 'L', 'Y', 1, 0x08, 0, 0});
}

TEST_CASE("REOPEN is exactly as documented, survives every split, and is checked",
          "[relay_frame][reopen]") {
    // docs/protocol.md §1: REOPEN nameplate 7.
    const rp::frame reopen{rp::frame_type::reopen, 7, {}, {}};
    const auto bytes = rp::encode(reopen);
    CHECK(bytes == std::vector<std::uint8_t>{0x46, 0x52, 0x4c, 0x59, 0x01, 0x09, 0x00, 0x04, 0x00,
                                             0x00, 0x00, 0x07});
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
        INFO("cut " << cut);
        frame_reader<rp::format> reader(rp::max_payload);
        const std::vector<std::uint8_t> first(bytes.begin(),
                                              bytes.begin() + static_cast<long>(cut));
        const std::vector<std::uint8_t> rest(bytes.begin() + static_cast<long>(cut), bytes.end());
        auto got = feed(reader, first, first.size() + 1);
        const auto more = feed(reader, rest, rest.size() + 1);
        got.insert(got.end(), more.begin(), more.end());
        REQUIRE(got.size() == 1);
        CHECK(got[0] == bytes);
        const auto d = rp::decode(std::span(got[0]).first(rp::header_size),
                                  std::span(got[0]).subspan(rp::header_size));
        CHECK(d.type == rp::frame_type::reopen);
        CHECK(d.nameplate == 7);
    }
    const std::vector<std::uint8_t> header{'F', 'R', 'L', 'Y', 1, 0x09, 0, 4};
    const std::vector<std::uint8_t> zero(4, 0);
    CHECK_THROWS_WITH(rp::decode(header, zero), Catch::Contains("nameplate 0"));
    const std::vector<std::uint8_t> short_payload(3, 1);
    CHECK_THROWS_WITH(rp::decode(header, short_payload), Catch::Contains("'reopen'"));
    const std::vector<std::uint8_t> long_payload(5, 1);
    CHECK_THROWS_WITH(rp::decode(header, long_payload), Catch::Contains("'reopen'"));
}
