// The relay over real sockets, spoken to by hand: pairing, refusals, limits, timeouts.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <thread>

#include "common/wire/bytes.hpp"
#include "common/wire/relay_frame.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
namespace rp = ferry::relay_proto;

namespace {

constexpr auto error_type = static_cast<std::uint8_t>(rp::frame_type::error);
constexpr auto allocated_type = static_cast<std::uint8_t>(rp::frame_type::allocated);
constexpr auto paired_type = static_cast<std::uint8_t>(rp::frame_type::paired);

std::uint32_t allocate(raw_client& c) {
    c.send(allocate_frame());
    const auto [type, payload] = c.read_frame();
    REQUIRE(type == allocated_type);
    return get_u32(payload.data());
}

// Pairs `sender` and `receiver` (fresh connections) through the relay.
void pair_up(raw_client& sender, raw_client& receiver) {
    receiver.send(claim_frame(allocate(sender)));
    CHECK(receiver.read_frame().first == paired_type);
    CHECK(sender.read_frame().first == paired_type);
}

// An error frame whose text contains `text`.
void expect_refusal(raw_client& c, const std::string& text) {
    const auto [type, payload] = c.read_frame();
    CHECK(type == error_type);
    CHECK_THAT(std::string(payload.begin(), payload.end()), Catch::Contains(text));
}

// Up to n bytes from c as text, fewer only if the stream ends first.
std::string read_text(raw_client& c, std::size_t n) {
    std::string got;
    while (got.size() < n) {
        const auto piece = c.read_some(n - got.size());
        if (piece.empty()) break;
        got.append(piece.begin(), piece.end());
    }
    return got;
}

// The error's text, once its code is checked.
std::string expect_error(raw_client& c, rp::error_code code) {
    const auto [type, payload] = c.read_frame();
    REQUIRE(type == error_type);
    REQUIRE(!payload.empty());
    CHECK(payload[0] == static_cast<std::uint8_t>(code));
    CHECK(c.at_eof());
    return std::string(payload.begin() + 1, payload.end());
}

// A relay with `limits` where `waiting` senders from this address allocated a nameplate each
// (connected first, all of them) and wait: the next sender's ALLOCATE is refused with `code`.
// The error's text.
std::string refused_after(const relay::limits& limits, std::size_t waiting, rp::error_code code) {
    relay_fixture relay(limits);
    std::vector<std::unique_ptr<raw_client>> senders;
    for (std::size_t i = 0; i < waiting; ++i)
        senders.push_back(std::make_unique<raw_client>(relay.port()));
    for (auto& sender : senders)
        allocate(*sender);
    raw_client next(relay.port());
    next.send(allocate_frame());
    return expect_error(next, code);
}

}  // namespace

TEST_CASE("relay pairs a sender and a receiver and pipes both ways", "[relay][e2e]") {
    auto limits = relay_fixture::fast_limits();
    limits.splice = GENERATE(true, false);
    relay_fixture relay(limits);
    raw_client sender(relay.port());
    const auto nameplate = allocate(sender);
    CHECK(nameplate >= 1);
    CHECK(nameplate <= 999);
    raw_client receiver(relay.port());
    receiver.send(claim_frame(nameplate));
    CHECK(receiver.read_frame().first == paired_type);
    CHECK(sender.read_frame().first == paired_type);

    sender.send({'a', 'b', 'c'});
    CHECK(receiver.read_some(3) == std::vector<std::uint8_t>{'a', 'b', 'c'});
    receiver.send({'x'});
    CHECK(sender.read_some(1) == std::vector<std::uint8_t>{'x'});

    SECTION("a half-close is passed on and the other direction keeps flowing") {
        sender.shutdown_send();
        CHECK(receiver.at_eof());
        receiver.send({'y', 'z'});
        CHECK(sender.read_some(2) == std::vector<std::uint8_t>{'y', 'z'});
        receiver.shutdown_send();
        CHECK(sender.at_eof());
    }
    SECTION("a third party cannot claim a paired nameplate") {
        raw_client third(relay.port());
        third.send(claim_frame(nameplate));
        expect_error(third, rp::error_code::nameplate_taken);
        // The pair is undisturbed.
        sender.send({'!'});
        CHECK(receiver.read_some(1) == std::vector<std::uint8_t>{'!'});
    }
}

TEST_CASE("32 MiB each way at once arrive intact with splice and with copies", "[relay][e2e]") {
    auto limits = relay_fixture::fast_limits();
    limits.splice = GENERATE(true, false);
    relay_fixture relay(limits);
    raw_client sender(relay.port());
    raw_client receiver(relay.port());
    pair_up(sender, receiver);
    constexpr std::size_t size = 32 * 1024 * 1024;
    const auto pattern = [](std::uint8_t seed) {
        std::vector<std::uint8_t> v(size);
        std::uint32_t x = seed;
        for (auto& b : v) {
            x = x * 1664525U + 1013904223U;
            b = static_cast<std::uint8_t>(x >> 24U);
        }
        return v;
    };
    const auto up = pattern(1);
    const auto down = pattern(2);
    // Each side writes its stream (odd-sized pieces) and half-closes, while reading the other's
    // to the end: both directions full at once, with backpressure.
    const auto run = [](raw_client& c, const std::vector<std::uint8_t>& out) {
        std::thread writer([&] {
            for (std::size_t at = 0; at < out.size();) {
                const auto n =
                    ::send(c.socket().native_handle(), out.data() + at,
                           std::min<std::size_t>(out.size() - at, 100'003), MSG_NOSIGNAL);
                if (n <= 0) break;
                at += static_cast<std::size_t>(n);
            }
            ::shutdown(c.socket().native_handle(), SHUT_WR);
        });
        std::vector<std::uint8_t> in;
        std::vector<std::uint8_t> piece(65'536);
        for (;;) {
            const auto n = ::recv(c.socket().native_handle(), piece.data(), piece.size(), 0);
            if (n <= 0) break;
            in.insert(in.end(), piece.begin(), piece.begin() + n);
        }
        writer.join();
        return in;
    };
    std::vector<std::uint8_t> at_receiver;
    std::thread other([&] { at_receiver = run(receiver, down); });
    const auto at_sender = run(sender, up);
    other.join();
    CHECK(at_receiver.size() == size);
    CHECK(at_sender.size() == size);
    CHECK(at_receiver == up);
    CHECK(at_sender == down);
}

TEST_CASE("TCP urgent data does not stall a spliced pair", "[relay][e2e]") {
    // splice(2) stops at an urgent byte while the socket stays readable: the relay must notice
    // and copy the rest instead of spinning until the idle timeout.
    auto limits = relay_fixture::fast_limits();
    limits.idle_timeout = std::chrono::seconds(60);
    relay_fixture relay(limits);
    raw_client sender(relay.port());
    raw_client receiver(relay.port());
    pair_up(sender, receiver);
    const int fd = sender.socket().native_handle();
    REQUIRE(::send(fd, "ab", 2, MSG_NOSIGNAL) == 2);
    // "ab" has been through the relay before the urgent byte is sent behind it.
    std::string got = read_text(receiver, 2);
    REQUIRE(got == "ab");
    REQUIRE(::send(fd, "!", 1, MSG_NOSIGNAL | MSG_OOB) == 1);
    REQUIRE(::send(fd, "cd", 2, MSG_NOSIGNAL) == 2);
    const bool half_close_at_once = GENERATE(true, false);
    if (half_close_at_once) sender.shutdown_send();
    got += read_text(receiver, 2);
    // The urgent byte is not part of the stream (no SO_OOBINLINE); everything around it is.
    CHECK(got == "abcd");
    if (!half_close_at_once) sender.shutdown_send();
    CHECK(receiver.at_eof());
}

TEST_CASE("the nameplate is free again once its pair ends", "[relay][e2e]") {
    relay_fixture relay;
    std::uint32_t nameplate = 0;
    {
        raw_client sender(relay.port());
        nameplate = allocate(sender);
        raw_client receiver(relay.port());
        receiver.send(claim_frame(nameplate));
        CHECK(receiver.read_frame().first == paired_type);
        sender.shutdown_send();
        receiver.shutdown_send();
        CHECK(sender.read_frame().first == paired_type);
        CHECK(sender.at_eof());
    }
    REQUIRE(wait_until([&] { return relay.sessions() == 0; }));
    raw_client late(relay.port());
    late.send(claim_frame(nameplate));
    expect_error(late, rp::error_code::unknown_nameplate);
}

TEST_CASE("relay refuses bad hellos with an error frame and stays up", "[relay][e2e]") {
    relay_fixture relay;
    SECTION("unknown nameplate") {
        raw_client c(relay.port());
        c.send(claim_frame(4242));
        expect_error(c, rp::error_code::unknown_nameplate);
    }
    SECTION("garbage instead of a hello") {
        raw_client c(relay.port());
        const std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        c.send({http.begin(), http.end()});
        expect_error(c, rp::error_code::bad_hello);
    }
    SECTION("wrong version") {
        raw_client c(relay.port());
        c.send({'F', 'R', 'L', 'Y', 2, 1, 0, 0});
        expect_error(c, rp::error_code::bad_hello);
    }
    SECTION("oversized length") {
        raw_client c(relay.port());
        c.send({'F', 'R', 'L', 'Y', 1, 1, 0xff, 0xff});
        expect_error(c, rp::error_code::bad_hello);
    }
    SECTION("a reply type sent by a client") {
        raw_client c(relay.port());
        c.send(rp::encode({rp::frame_type::paired, 0, {}, {}}));
        expect_error(c, rp::error_code::bad_hello);
    }
    SECTION("truncated hello, then close") {
        raw_client c(relay.port());
        c.send({'F', 'R', 'L'});
        c.shutdown_send();
        expect_error(c, rp::error_code::bad_hello);
    }
    // Whatever happened above, the relay still pairs.
    raw_client sender(relay.port());
    const auto nameplate = allocate(sender);
    raw_client receiver(relay.port());
    receiver.send(claim_frame(nameplate));
    CHECK(receiver.read_frame().first == paired_type);
}

TEST_CASE("a silent client is dropped after the hello timeout and the relay stays up",
          "[relay][e2e]") {
    auto limits = relay_fixture::fast_limits();
    limits.hello_timeout = std::chrono::seconds(1);
    relay_fixture relay(limits);
    raw_client silent(relay.port());
    expect_error(silent, rp::error_code::hello_timeout);
    raw_client c(relay.port());
    c.send(rp::encode({rp::frame_type::ping, 0, {}, {}}));
    CHECK(c.read_frame().first == static_cast<std::uint8_t>(rp::frame_type::pong));
}

TEST_CASE("a hello split into one-byte writes works", "[relay][e2e]") {
    relay_fixture relay;
    raw_client sender(relay.port());
    const int fd = sender.socket().native_handle();
    const int one = 1;
    REQUIRE(::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
    for (const auto b : allocate_frame()) {
        sender.send({b});
        // Each byte reaches the relay's host on its own before the next is sent.
        REQUIRE(wait_until([&] { return unacknowledged(fd) == 0; }));
    }
    CHECK(sender.read_frame().first == allocated_type);
}

TEST_CASE("relay answers ping with its version", "[relay][e2e]") {
    relay_fixture relay;
    raw_client c(relay.port());
    c.send(rp::encode({rp::frame_type::ping, 0, {}, {}}));
    const auto [type, payload] = c.read_frame();
    CHECK(type == static_cast<std::uint8_t>(rp::frame_type::pong));
    CHECK_THAT(std::string(payload.begin(), payload.end()), Catch::StartsWith("ferry-relay "));
}

TEST_CASE("relay limits answer with clear errors", "[relay][e2e]") {
    auto limits = relay_fixture::fast_limits();
    SECTION("waiting senders per address") {
        limits.max_waiting_per_address = 2;
        CHECK(refused_after(limits, 2, rp::error_code::too_many_waiting) ==
              "2 transfers from your address are already waiting");
    }
    SECTION("one waiting sender per address") {
        limits.max_waiting_per_address = 1;
        CHECK(refused_after(limits, 1, rp::error_code::too_many_waiting) ==
              "1 transfer from your address is already waiting");
    }
    SECTION("sessions") {
        limits.max_sessions = 1;
        refused_after(limits, 1, rp::error_code::relay_full);
    }
    SECTION("a sender waits only so long for its receiver") {
        limits.sender_wait = std::chrono::milliseconds(300);
        relay_fixture relay(limits);
        raw_client a(relay.port());
        allocate(a);
        expect_error(a, rp::error_code::no_receiver);
    }
    SECTION("an idle pair is closed") {
        limits.idle_timeout = std::chrono::milliseconds(300);
        relay_fixture relay(limits);
        raw_client sender(relay.port());
        const auto nameplate = allocate(sender);
        raw_client receiver(relay.port());
        receiver.send(claim_frame(nameplate));
        CHECK(receiver.read_frame().first == paired_type);
        CHECK(sender.read_frame().first == paired_type);
        CHECK(receiver.at_eof());
        CHECK(sender.at_eof());
    }
    SECTION("connections") {
        limits.max_connections = 3;
        relay_fixture relay(limits);
        raw_client a(relay.port());
        raw_client b(relay.port());
        raw_client c(relay.port());
        REQUIRE(wait_until([&] { return relay.connections() == 3; }));
        raw_client d(relay.port());
        expect_error(d, rp::error_code::relay_full);
    }
    SECTION("a paired receiver still counts towards the per-address limit") {
        limits.max_connections_per_address = 2;
        limits.hello_timeout = std::chrono::seconds(10);
        relay_fixture relay(limits);
        raw_client sender(relay.port());
        raw_client receiver(relay.port(), "127.0.0.2");
        pair_up(sender, receiver);
        // 127.0.0.2 has its paired receiver and one more; a third is over its limit of 2.
        raw_client second(relay.port(), "127.0.0.2");
        REQUIRE(wait_until([&] { return relay.connections() == 3; }));
        raw_client third(relay.port(), "127.0.0.2");
        expect_refusal(third, "too many connections from your address");
    }
    SECTION("a paired receiver still counts towards the total") {
        limits.max_connections = 3;
        limits.hello_timeout = std::chrono::seconds(10);
        relay_fixture relay(limits);
        raw_client sender(relay.port());
        raw_client receiver(relay.port(), "127.0.0.2");
        pair_up(sender, receiver);
        raw_client second(relay.port(), "127.0.0.3");  // the third connection: still allowed
        REQUIRE(wait_until([&] { return relay.connections() == 3; }));
        raw_client fourth(relay.port(), "127.0.0.4");
        expect_refusal(fourth, "the relay has too many connections");
    }
    SECTION("a paired receiver's connection is released when its pair ends") {
        limits.max_connections_per_address = 1;
        limits.max_connections = 2;
        relay_fixture relay(limits);
        {
            raw_client sender(relay.port());
            raw_client receiver(relay.port(), "127.0.0.2");
            pair_up(sender, receiver);
        }
        REQUIRE(wait_until([&] { return relay.connections() == 0; }));
        // Both the address's slot and the two in the total are free again.
        raw_client again(relay.port(), "127.0.0.2");
        raw_client other(relay.port(), "127.0.0.3");
        for (auto* c : {&again, &other}) {
            c->send(rp::encode({rp::frame_type::ping, 0, {}, {}}));
            CHECK(c->read_frame().first == static_cast<std::uint8_t>(rp::frame_type::pong));
        }
    }
}

TEST_CASE("a sender that leaves while waiting frees its nameplate", "[relay][e2e]") {
    relay_fixture relay;
    std::uint32_t nameplate = 0;
    {
        raw_client a(relay.port());
        nameplate = allocate(a);
    }
    REQUIRE(wait_until([&] { return relay.sessions() == 0; }));
    raw_client late(relay.port());
    late.send(claim_frame(nameplate));
    expect_error(late, rp::error_code::unknown_nameplate);
}

TEST_CASE("a late claim after the sender's wait ended is refused at once", "[relay][e2e]") {
    auto limits = relay_fixture::fast_limits();
    limits.sender_wait = std::chrono::milliseconds(200);
    relay_fixture relay(limits);
    raw_client sender(relay.port());
    const auto nameplate = allocate(sender);
    expect_error(sender, rp::error_code::no_receiver);
    raw_client late(relay.port());
    late.send(claim_frame(nameplate));
    expect_error(late, rp::error_code::unknown_nameplate);
}
