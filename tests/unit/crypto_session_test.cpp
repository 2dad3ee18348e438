#include <catch2/catch.hpp>

#include <thread>

#include "common/crypto/hkdf.hpp"
#include "common/crypto/record_cipher.hpp"
#include "common/crypto/sha256.hpp"
#include "common/net/race.hpp"
#include "common/session/session.hpp"
#include "common/transfer/message_channel.hpp"
#include "common/ui/exit_code.hpp"
#include "common/wire/wire_error.hpp"

using namespace ferry;

namespace {

record_key key_of(std::uint8_t seed) {
    record_key k{};
    for (std::size_t i = 0; i < k.size(); ++i)
        k[i] = static_cast<std::uint8_t>(seed + i);
    return k;
}

struct sealed {
    std::vector<std::uint8_t> header;
    std::vector<std::uint8_t> body;
    std::array<std::uint8_t, record_tag_size> tag{};
};

sealed seal(record_cipher& c, const std::string& text) {
    sealed s;
    s.header = {0, 0, 0, static_cast<std::uint8_t>(text.size() + record_tag_size)};
    s.body.assign(text.begin(), text.end());
    c.seal(s.header, s.body, s.tag);
    return s;
}

std::string open(record_cipher& c, sealed s) {
    c.open(s.header, s.body, s.tag);
    return {s.body.begin(), s.body.end()};
}

}  // namespace

TEST_CASE("records seal and open in order", "[record_cipher]") {
    record_cipher a(key_of(1), record_cipher::mode::seal);
    record_cipher b(key_of(1), record_cipher::mode::open);
    const auto one = seal(a, "first record");
    const auto two = seal(a, "second record");
    CHECK(std::string(one.body.begin(), one.body.end()) != "first record");
    CHECK(open(b, one) == "first record");
    CHECK(open(b, two) == "second record");
    CHECK(a.sequence() == 2);
    // Same plaintext, next sequence number: a different ciphertext.
    record_cipher a2(key_of(1), record_cipher::mode::seal);
    const auto again = seal(a2, "first record");
    CHECK(again.body == one.body);
    CHECK(seal(a2, "first record").body != one.body);
}

TEST_CASE("altered, dropped, repeated, reordered records fail authentication", "[record_cipher]") {
    record_cipher a(key_of(1), record_cipher::mode::seal);
    const auto r0 = seal(a, "zero");
    const auto r1 = seal(a, "one");
    SECTION("one flipped bit in the body, the tag or the header") {
        for (int where = 0; where < 3; ++where) {
            record_cipher b(key_of(1), record_cipher::mode::open);
            auto bad = r0;
            if (where == 0) bad.body[1] ^= 0x01;
            if (where == 1) bad.tag[15] ^= 0x80;
            if (where == 2) bad.header[3] ^= 0x02;
            CHECK_THROWS_AS(open(b, bad), integrity_error);
        }
    }
    SECTION("dropped") {
        record_cipher b(key_of(1), record_cipher::mode::open);
        CHECK_THROWS_AS(open(b, r1), integrity_error);
    }
    SECTION("repeated") {
        record_cipher b(key_of(1), record_cipher::mode::open);
        CHECK(open(b, r0) == "zero");
        CHECK_THROWS_AS(open(b, r0), integrity_error);
    }
    SECTION("wrong key") {
        record_cipher b(key_of(2), record_cipher::mode::open);
        CHECK_THROWS_AS(open(b, r0), integrity_error);
    }
}

TEST_CASE("HKDF-SHA256 matches RFC 5869 test case 1", "[record_cipher]") {
    std::vector<std::uint8_t> ikm(22, 0x0b);
    std::vector<std::uint8_t> salt{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
                                   0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c};
    const std::string info("\xf0\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9", 10);
    std::array<std::uint8_t, 42> okm{};
    hkdf_sha256(ikm, salt, info, okm);
    CHECK(to_hex(okm) ==
          "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

namespace {

struct session_outcome {
    std::string sender;  // "ok" or the error
    std::string receiver;
    std::string received;  // what the receiver got through the encrypted channel
};

// Runs both ends of the session layer over a real loopback connection.
session_outcome run_session(const std::string& sender_code, const std::string& receiver_code) {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    tcp::socket a(io);
    a.connect(acceptor.local_endpoint());
    tcp::socket b = acceptor.accept();
    deadline da;
    deadline db;
    session_outcome out;
    auto side = [&](tcp::socket& s, deadline& d, session_role role, std::string code_text,
                    std::string& result) -> awaitable<void> {
        try {
            const auto c = parse_code(code_text);
            auto channel = co_await open_session(s, d, role, c);
            if (role == session_role::sender) {
                const msg::message m = msg::offer{0, 42, "secret-name.txt"};
                co_await send_message(*channel, m);
            } else {
                const auto m = co_await receive_message(*channel);
                out.received = std::get<msg::offer>(m).name;
            }
            result = "ok";
        } catch (const failure& f) {
            result = std::string(f.code() == exit_code::wrong_code ? "wrong code: " : "other: ") +
                     f.what();
        } catch (const std::exception& e) {
            result = std::string("exception: ") + e.what();
        }
        s.close();
    };
    asio::co_spawn(io, side(a, da, session_role::sender, sender_code, out.sender), asio::detached);
    asio::co_spawn(io, side(b, db, session_role::receiver, receiver_code, out.receiver),
                   asio::detached);
    io.run();
    return out;
}

}  // namespace

TEST_CASE("matching codes agree on keys and talk encrypted", "[session]") {
    const auto out = run_session("7-crossover-clockwork", "7 CROSSOVER clockwork");
    CHECK(out.sender == "ok");
    CHECK(out.receiver == "ok");
    CHECK(out.received == "secret-name.txt");
}

TEST_CASE("codes differing in one word fail on both sides as a wrong code", "[session]") {
    const auto out = run_session("7-crossover-clockwork", "7-crossover-aardvark");
    CHECK_THAT(out.sender, Catch::StartsWith("wrong code"));
    CHECK_THAT(out.receiver, Catch::StartsWith("wrong code"));
    CHECK(out.received.empty());
    const auto other_nameplate = run_session("7-crossover-clockwork", "8-crossover-clockwork");
    CHECK_THAT(other_nameplate.sender, Catch::StartsWith("wrong code"));
    CHECK_THAT(other_nameplate.receiver, Catch::StartsWith("wrong code"));
}

TEST_CASE("a SHA-256 state copied or peeked at carries on as the original", "[sha256]") {
    const std::string abc = "abc";
    sha256 h;
    h.update(as_bytes(std::string_view(abc).substr(0, 1)));
    const auto copy = h;  // after "a"
    CHECK(to_hex(h.peek()) == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
    h.update(as_bytes(std::string_view(abc).substr(1)));
    CHECK(to_hex(h.finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    auto resumed = copy;
    resumed.update(as_bytes(std::string_view("bc")));
    CHECK(to_hex(resumed.finish()) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256 moved_from;
    sha256 taker(std::move(moved_from));
    moved_from = copy;  // a moved-from state takes a copy again
    CHECK(to_hex(moved_from.peek()) ==
          "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
}
