// What the key exchange leaves behind: no password scalar, no transcript (which ends with w), and
// an honest message when the sender stops half-way through it.
#include <catch2/catch.hpp>

#include <algorithm>

#include "common/crypto/spake2.hpp"
#include "common/session/code.hpp"
#include "common/session/record_channel.hpp"
#include "common/session/session.hpp"
#include "common/ui/exit_code.hpp"

using namespace ferry;
using namespace ferry::crypto;

namespace {

const auto test_code = parse_code("7-crossover-clockwork");

std::array<std::uint8_t, spake2_scalar_size> password() {
    return spake2_password_scalar(test_code.text(), password_salt(test_code.nameplate));
}

bool all_zero(std::span<const std::uint8_t> bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

}  // namespace

TEST_CASE("SPAKE2 forgets w and its private scalar once it has the keys", "[spake2][secrets]") {
    const auto w = password();
    spake2 a(spake2_role::a, w, identity_sender, identity_receiver);
    spake2 b(spake2_role::b, w, identity_sender, identity_receiver);
    CHECK_FALSE(a.wiped());
    // A refused message changes nothing: the object still needs its secrets.
    CHECK_THROWS_AS(a.finish(std::vector<std::uint8_t>(spake2_message_size, 0)), spake2_error);
    CHECK_FALSE(a.wiped());
    const auto keys_a = a.finish(b.my_message());
    CHECK(a.wiped());
    const auto keys_b = b.finish(a.my_message());
    CHECK(b.wiped());
    CHECK(keys_a.ke == keys_b.ke);
}

TEST_CASE("the keys of an exchange, its transcript included, can be wiped and wipe when moved",
          "[spake2][secrets]") {
    const auto w = password();
    spake2 a(spake2_role::a, w, identity_sender, identity_receiver);
    spake2 b(spake2_role::b, w, identity_sender, identity_receiver);
    auto keys = a.finish(b.my_message());
    REQUIRE_FALSE(keys.wiped());
    // The transcript ends with w: that is why it is secret.
    REQUIRE(keys.transcript.size() > w.size());
    CHECK(std::equal(w.rbegin(), w.rend(), keys.transcript.rbegin()));

    auto moved = std::move(keys);
    CHECK(keys.wiped());
    CHECK_FALSE(moved.wiped());
    const auto length = moved.transcript.size();
    const auto record = derive_record_keys(moved);
    CHECK_FALSE(all_zero(record.sender_to_receiver));
    moved.wipe();
    CHECK(moved.wiped());
    CHECK(moved.transcript.size() == length);
    CHECK(all_zero(moved.transcript));
    CHECK(all_zero(moved.ke));
    CHECK(all_zero(moved.k));
    CHECK(all_zero(moved.mac_a));
}

namespace {

// A sender with the right code that stops once it has the receiver's confirmation, before it
// sends its own (as when it is interrupted during the key exchange).
awaitable<void> sender_that_stops(tcp::socket& socket) {
    deadline activity;
    record_channel channel(socket, activity);
    spake2 pake(spake2_role::a, password(), identity_sender, identity_receiver);
    auto out = channel.prepare();
    out[0] = pake_record;
    const auto mine = pake.my_message();
    std::copy(mine.begin(), mine.end(), out.begin() + 1);
    co_await channel.send(1 + mine.size());
    co_await channel.receive();  // pB
    co_await channel.receive();  // cB
    socket.close();
}

}  // namespace

TEST_CASE("a sender that stops during the key exchange is not blamed on the code alone",
          "[session][secrets]") {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    tcp::socket a(io);
    a.connect(acceptor.local_endpoint());
    tcp::socket b = acceptor.accept();
    std::optional<failure> result;
    asio::co_spawn(io, sender_that_stops(a), asio::detached);
    asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
            deadline activity;
            try {
                auto channel =
                    co_await open_session(b, activity, session_role::receiver, test_code);
            } catch (const failure& f) {
                result = f;
            }
        },
        asio::detached);
    io.run();
    REQUIRE(result.has_value());
    CHECK(result->code() == exit_code::wrong_code);  // one guess per code: still loud
    CHECK_THAT(result->what(), Catch::Contains("wrong code") &&
                                   Catch::Contains("the sender stopped during the key exchange") &&
                                   Catch::Contains("a share's code keeps working") &&
                                   Catch::Contains("ask the sender to send again"));
}
