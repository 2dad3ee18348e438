#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "common/transfer/chunk_compression.hpp"
#include "common/transfer/message.hpp"
#include "common/wire/record_format.hpp"
#include "common/wire/wire_error.hpp"
#include "sender/record_packer.hpp"
#include "sender/sender.hpp"

using namespace ferry;

namespace {

using bytes = std::vector<std::uint8_t>;

bytes random_bytes(std::size_t n, unsigned seed = 7) {
    std::mt19937 gen(seed);
    bytes out(n);
    for (auto& b : out)
        b = static_cast<std::uint8_t>(gen());
    return out;
}

bytes text_bytes(std::size_t n) {
    const std::string line = "2026-12-02 09:41:07 INFO relay: pair 1234 completed, 12.3 MiB\n";
    bytes out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = static_cast<std::uint8_t>(static_cast<std::size_t>(line[i % line.size()]) +
                                           (i / 997) % 3);
    return out;
}

bytes compressed(const bytes& raw, int level = 3) {
    transfer::chunk_compressor z(level);
    bytes out(raw.size() + 1024);
    out.resize(z.compress(raw, out));
    return out;
}

// The frame's record as a sender puts it, without the length.
bytes zdata_payload(std::uint32_t raw_size, const bytes& frame) {
    return msg::encode(msg::zdata{raw_size, frame});
}

}  // namespace

TEST_CASE("the ZDATA example of docs/protocol.md", "[compression][example]") {
    const bytes payload{0x0b, 0x00, 0x00, 0x00, 0x3d, 0x28, 0xb5, 0x2f, 0xfd, 0x20,
                        0x3d, 0x75, 0x00, 0x00, 0x40, 0x66, 0x65, 0x72, 0x72, 0x79,
                        0x20, 0x21, 0x0a, 0x01, 0x00, 0xca, 0x59, 0x8a};
    const auto z = std::get<msg::zdata>(msg::decode(payload));
    CHECK(z.raw_size == 61);
    CHECK(z.frame.size() == 23);
    CHECK(msg::encode(z) == payload);
    bytes out(z.raw_size);
    transfer::chunk_decompressor unzstd;
    unzstd.decompress(z.frame, out);
    CHECK(std::string(out.begin(), out.end()) ==
          "ferry ferry ferry ferry ferry ferry ferry ferry ferry ferry!\n");
}

TEST_CASE("ZDATA headers are checked: every truncation and every size out of range",
          "[compression]") {
    const auto frame = compressed(text_bytes(1000));
    const auto good = zdata_payload(1000, frame);
    for (std::size_t n = 1; n < msg::zdata_header_size + 1; ++n) {
        INFO(n);
        CHECK_THROWS_AS(msg::decode(byte_span(good).first(n)), wire_error);
    }
    CHECK_THROWS_WITH(msg::decode(zdata_payload(0, frame)), Catch::Contains("out of range"));
    CHECK_THROWS_WITH(msg::decode(zdata_payload(data_chunk_size + 1, frame)),
                      Catch::Contains("out of range"));
    CHECK(std::get<msg::zdata>(msg::decode(zdata_payload(data_chunk_size, frame))).raw_size ==
          data_chunk_size);
}

TEST_CASE("a chunk survives zstd at every level", "[compression]") {
    const int level = GENERATE(1, 3, 9, 19);
    const auto raw = text_bytes(data_chunk_size);
    const auto frame = compressed(raw, level);
    REQUIRE(!frame.empty());
    CHECK(frame.size() < raw.size() / 4);
    bytes out(raw.size());
    transfer::chunk_decompressor unzstd;
    unzstd.decompress(frame, out);
    CHECK(out == raw);
}

TEST_CASE("a frame that does not fit means not worth it and is no error", "[compression]") {
    transfer::chunk_compressor z(3);
    const auto raw = random_bytes(64 * 1024);
    bytes out(raw.size() - raw.size() / 10);
    CHECK(z.compress(raw, out) == 0);
    // The context is fine afterwards.
    const auto text = text_bytes(64 * 1024);
    CHECK(z.compress(text, out) > 0);
}

TEST_CASE("a zstd bomb or a lying frame is refused without writing past the record",
          "[compression][security]") {
    transfer::chunk_decompressor unzstd;
    const auto zeros = bytes(data_chunk_size, 0);
    const auto bomb = compressed(zeros);  // a few dozen bytes for 256 KiB
    REQUIRE(bomb.size() < 100);
    // Announced small: the buffer is the announced size and a canary sits right after it.
    bytes out(1000 + 16, 0xa5);
    CHECK_THROWS_WITH(unzstd.decompress(bomb, mutable_byte_span(out).first(1000)),
                      Catch::Contains("expands past"));
    for (std::size_t i = 1000; i < out.size(); ++i)
        CHECK(out[i] == 0xa5);
    // Announced larger than it holds.
    const auto small = compressed(text_bytes(500));
    bytes big(600);
    CHECK_THROWS_WITH(unzstd.decompress(small, big), Catch::Contains("holds 500 bytes"));
    // Damaged (a damaged literal may decode to other bytes: the file's SHA-256 finds those), or
    // not zstd at all.
    auto damaged = small;
    damaged[0] ^= 0xff;
    bytes exact(500);
    CHECK_THROWS_AS(unzstd.decompress(damaged, exact), wire_error);
    CHECK_THROWS_WITH(unzstd.decompress(random_bytes(40), exact), Catch::Contains("damaged"));
    // A frame of more than a chunk (its window is too large for a record) is refused, whatever
    // room it is given.
    const auto huge = compressed(bytes(4 * data_chunk_size, 'x'));
    bytes room(data_chunk_size);
    CHECK_THROWS_AS(unzstd.decompress(huge, room), wire_error);
    // And the context still works.
    unzstd.decompress(small, exact);
    CHECK(exact == text_bytes(500));
}

TEST_CASE("the packer: auto samples each file and goes plain where it does not pay",
          "[compression]") {
    sender::record_packer packer(sender::compress_auto);
    bytes room(data_chunk_size + 64);
    const auto record_type = [&] { return room[4]; };
    const auto text = text_bytes(data_chunk_size);
    const auto noise = random_bytes(data_chunk_size);

    packer.start_file();
    REQUIRE(packer.try_next(text.size()));
    const auto n = packer.put(text, room);
    CHECK(record_type() == static_cast<std::uint8_t>(msg::type::zdata));
    CHECK(get_u32(room.data()) + 4 == n);
    CHECK(n < text.size() / 4);
    CHECK(get_u32(room.data() + 5) == text.size());

    // A chunk that does not shrink goes plain, and the file from there on, until the next sample
    // 16 MiB later.
    REQUIRE(packer.try_next(noise.size()));
    CHECK(packer.put(noise, room) == 5 + noise.size());
    CHECK(record_type() == static_cast<std::uint8_t>(msg::type::data));
    CHECK(std::equal(noise.begin(), noise.end(), room.begin() + 5));
    int plain = 0;
    while (!packer.try_next(noise.size()))
        ++plain;
    CHECK(plain == 63);

    // A new file is sampled again; tiny chunks never are.
    packer.start_file();
    CHECK(packer.try_next(text.size()));
    CHECK_FALSE(packer.try_next(63));
}

TEST_CASE("the packer: a level compresses every chunk that shrinks", "[compression]") {
    sender::record_packer packer(9);
    bytes room(data_chunk_size + 64);
    const auto noise = random_bytes(data_chunk_size);
    const auto text = text_bytes(data_chunk_size);
    packer.start_file();
    for (int i = 0; i < 3; ++i) {
        REQUIRE(packer.try_next(noise.size()));
        CHECK(packer.put(noise, room) == 5 + noise.size());
    }
    REQUIRE(packer.try_next(text.size()));
    packer.put(text, room);
    CHECK(room[4] == static_cast<std::uint8_t>(msg::type::zdata));
    CHECK(packer.raw_bytes() == 4 * data_chunk_size);
    CHECK(packer.packed_bytes() < 3 * (5 + data_chunk_size) + data_chunk_size / 4);
}
