// Shares over real sockets, spoken to by hand: one sender's control connection (SHARE), many
// receivers (CLAIM), one data connection of the sender per receiver (JOIN).
#include <catch2/catch.hpp>

#include <optional>
#include <set>

#include "common/wire/bytes.hpp"
#include "common/wire/relay_frame.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
namespace rp = ferry::relay_proto;

namespace {

using ticket = std::array<std::uint8_t, 16>;

constexpr auto type_of(rp::frame_type t) {
    return static_cast<std::uint8_t>(t);
}

std::uint32_t open_share(raw_client& control) {
    control.send(share_frame());
    const auto [type, payload] = control.read_frame();
    REQUIRE(type == type_of(rp::frame_type::allocated));
    return get_u32(payload.data());
}

// A relay with a share open on it.
struct relay_with_share {
    explicit relay_with_share(const relay::limits& limits = relay_fixture::fast_limits())
        : relay(limits), control(relay.port()), nameplate(open_share(control)) {}
    relay_fixture relay;
    raw_client control;
    std::uint32_t nameplate;
};

struct arrival {
    ticket id{};
    std::string address;
};

// The next ARRIVED on the control connection, PONGs skipped.
arrival next_arrival(raw_client& control) {
    for (;;) {
        const auto [type, payload] = control.read_frame();
        if (type == type_of(rp::frame_type::pong)) continue;
        REQUIRE(type == type_of(rp::frame_type::arrived));
        REQUIRE(payload.size() >= 16);
        arrival a;
        std::copy(payload.begin(), payload.begin() + 16, a.id.begin());
        a.address.assign(payload.begin() + 16, payload.end());
        return a;
    }
}

// The error's code and text, once the connection is checked to end behind it.
std::pair<int, std::string> error_of(raw_client& c) {
    const auto [type, payload] = c.read_frame();
    REQUIRE(type == type_of(rp::frame_type::error));
    REQUIRE(!payload.empty());
    CHECK(c.at_eof());
    return {payload[0], std::string(payload.begin() + 1, payload.end())};
}

int code(rp::error_code e) {
    return static_cast<int>(e);
}

// A receiver from `source` claims the share and the sender hears of it.
arrival claim(raw_client& control, raw_client& receiver, std::uint32_t nameplate) {
    receiver.send(claim_frame(nameplate));
    return next_arrival(control);
}

// The sender's data connection for `a`: both it and the receiver are told PAIRED.
void join(raw_client& data, raw_client& receiver, std::uint32_t nameplate, const arrival& a) {
    data.send(join_frame(nameplate, a.id));
    CHECK(receiver.read_frame().first == type_of(rp::frame_type::paired));
    CHECK(data.read_frame().first == type_of(rp::frame_type::paired));
}

// A JOIN for a ticket whose receiver is no longer waiting (or never was).
void check_join_refused(std::uint16_t port, std::uint32_t nameplate, const ticket& id) {
    raw_client late(port);
    late.send(join_frame(nameplate, id));
    CHECK(error_of(late).first == code(rp::error_code::share_ended));
}

void check_piped(raw_client& from, raw_client& to, const std::string& text) {
    from.send({text.begin(), text.end()});
    std::string got;
    while (got.size() < text.size()) {
        const auto piece = to.read_some(text.size() - got.size());
        REQUIRE(!piece.empty());
        got.append(piece.begin(), piece.end());
    }
    CHECK(got == text);
}

}  // namespace

TEST_CASE("a share pairs each claim with a data connection of its sender", "[relay][share][e2e]") {
    relay_fixture relay;
    raw_client control(relay.port());
    const auto nameplate = open_share(control);
    CHECK(nameplate >= 1);
    CHECK(nameplate <= 999);
    std::vector<std::unique_ptr<raw_client>> receivers;
    std::vector<std::unique_ptr<raw_client>> data;
    std::set<ticket> tickets;
    for (int i = 0; i < 3; ++i) {
        const auto source = "127.0.0." + std::to_string(2 + i);
        receivers.push_back(std::make_unique<raw_client>(relay.port(), source));
        const auto a = claim(control, *receivers.back(), nameplate);
        CHECK(a.address == source);
        tickets.insert(a.id);
        data.push_back(std::make_unique<raw_client>(relay.port()));
        join(*data.back(), *receivers.back(), nameplate, a);
    }
    CHECK(tickets.size() == 3);
    REQUIRE(wait_until([&] { return relay.sessions() == 4; }));  // the share and its 3 pairs
    for (std::size_t i = 0; i < 3; ++i) {
        check_piped(*data[i], *receivers[i], "to receiver " + std::to_string(i));
        check_piped(*receivers[i], *data[i], "to sender " + std::to_string(i));
    }

    SECTION("a JOIN with a ticket nobody waits with is refused and the pairs are unaffected") {
        raw_client bad(relay.port());
        bad.send(join_frame(nameplate, ticket{}));
        CHECK(error_of(bad) == std::pair{code(rp::error_code::share_ended),
                                         std::string("no receiver is waiting with this ticket")});
        check_join_refused(relay.port(), nameplate, *tickets.begin());  // single use
        check_join_refused(relay.port(), nameplate == 999 ? 998 : nameplate + 1, *tickets.begin());
        check_piped(*data[1], *receivers[1], "still piped");
    }
    SECTION("every pair and the share end and free what they held") {
        receivers.clear();
        data.clear();
        control.shutdown_send();
        CHECK(control.at_eof());
        REQUIRE(wait_until([&] { return relay.sessions() == 0 && relay.connections() == 0; }));
        raw_client late(relay.port());
        late.send(claim_frame(nameplate));
        CHECK(error_of(late).first == code(rp::error_code::unknown_nameplate));
    }
}

TEST_CASE("claims of a share are not charged and over its waiting limit get error 10",
          "[relay][share][e2e]") {
    auto limits = relay_fixture::fast_limits();
    limits.max_share_waiting = 2;
    limits.failed_claims_per_minute = 1;
    relay_fixture relay(limits);
    raw_client control(relay.port());
    const auto nameplate = open_share(control);
    raw_client first(relay.port());
    raw_client second(relay.port());
    const auto a = claim(control, first, nameplate);
    claim(control, second, nameplate);
    raw_client third(relay.port());
    third.send(claim_frame(nameplate));
    CHECK(
        error_of(third) ==
        std::pair{code(rp::error_code::share_busy),
                  std::string("the share has too many receivers waiting; try again in a moment")});
    // Once one is taken there is room again; none of these claims spent the budget of 1.
    raw_client data(relay.port());
    join(data, first, nameplate, a);
    raw_client fourth(relay.port());
    claim(control, fourth, nameplate);
}

TEST_CASE("the end of a share refuses its waiting receivers and running pairs go on",
          "[relay][share][e2e]") {
    relay_with_share s;
    raw_client running(s.relay.port());
    raw_client data(s.relay.port());
    join(data, running, s.nameplate, claim(s.control, running, s.nameplate));
    raw_client waiting(s.relay.port());
    const auto pending = claim(s.control, waiting, s.nameplate);
    s.control.shutdown_send();
    CHECK(error_of(waiting) ==
          std::pair{code(rp::error_code::share_ended), std::string("the share has ended")});
    check_piped(data, running, "after the share");
    check_piped(running, data, "both ways");
    check_join_refused(s.relay.port(), s.nameplate, pending.id);
}

TEST_CASE("a receiver the sender does not take in time gets error 5", "[relay][share][e2e]") {
    auto limits = relay_fixture::fast_limits();
    limits.hello_timeout = std::chrono::milliseconds(500);
    relay_with_share s(limits);
    raw_client receiver(s.relay.port());
    const auto a = claim(s.control, receiver, s.nameplate);
    CHECK(error_of(receiver) ==
          std::pair{code(rp::error_code::no_receiver),
                    std::string("the sender did not take this receiver in time")});
    REQUIRE(wait_until([&] { return s.relay.sessions() == 1; }));
    check_join_refused(s.relay.port(), s.nameplate, a.id);
}

TEST_CASE("a receiver that leaves before its JOIN frees its seat and its ticket",
          "[relay][share][e2e]") {
    relay_with_share s;
    std::optional<raw_client> receiver(std::in_place, s.relay.port());
    const auto a = claim(s.control, *receiver, s.nameplate);
    REQUIRE(wait_until([&] { return s.relay.sessions() == 2; }));
    receiver.reset();
    REQUIRE(wait_until([&] { return s.relay.sessions() == 1; }));
    check_join_refused(s.relay.port(), s.nameplate, a.id);
    // The share is undisturbed.
    raw_client next(s.relay.port());
    raw_client data(s.relay.port());
    join(data, next, s.nameplate, claim(s.control, next, s.nameplate));
}

TEST_CASE("a share whose sender goes quiet ends and pings keep it open", "[relay][share][e2e]") {
    auto limits = relay_fixture::fast_limits();
    limits.share_idle =
        std::chrono::seconds(2);  // 20 pings' worth: a loaded machine still pings in time
    relay_fixture relay(limits);
    raw_client control(relay.port());
    const auto nameplate = open_share(control);
    // Pings for longer than the idle limit: each answered, the share still open.
    const auto until = std::chrono::steady_clock::now() + 5 * limits.share_idle / 2;
    while (std::chrono::steady_clock::now() < until) {
        control.send(ping_frame());
        const auto [type, payload] = control.read_frame();
        REQUIRE(type == type_of(rp::frame_type::pong));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    raw_client receiver(relay.port());
    claim(control, receiver, nameplate);
    // Then silence.
    CHECK(error_of(control) == std::pair{code(rp::error_code::hello_timeout),
                                         std::string("the share's sender went quiet")});
    CHECK(error_of(receiver).first == code(rp::error_code::share_ended));
    REQUIRE(wait_until([&] { return relay.sessions() == 0; }));
}

TEST_CASE("a share ends at the relay's time limit", "[relay][share][e2e]") {
    auto limits = relay_fixture::fast_limits();
    limits.max_share_time = std::chrono::milliseconds(300);
    relay_with_share s(limits);
    const auto [error, text] = error_of(s.control);
    CHECK(error == code(rp::error_code::no_receiver));
    CHECK_THAT(text, Catch::Contains("the share reached the relay's time limit of"));
}

TEST_CASE("a share's control connection may send only PING", "[relay][share][e2e]") {
    relay_with_share s;
    const bool garbage = GENERATE(false, true);
    s.control.send(garbage ? std::vector<std::uint8_t>{'G', 'E', 'T', ' ', '/', ' ', 'H', 'T'}
                           : allocate_frame());
    CHECK(error_of(s.control).first == code(rp::error_code::bad_hello));
    REQUIRE(wait_until([&] { return s.relay.sessions() == 0; }));
}

TEST_CASE("a share counts as a waiting sender and its pairs as sessions", "[relay][share][e2e]") {
    auto limits = relay_fixture::fast_limits();
    SECTION("waiting senders per address") {
        limits.max_waiting_per_address = 1;
        relay_fixture relay(limits);
        {
            raw_client control(relay.port());
            open_share(control);
            raw_client other(relay.port());
            other.send(GENERATE(share_frame(), allocate_frame()));
            CHECK(error_of(other).first == code(rp::error_code::too_many_waiting));
        }
        // A share closed no longer counts.
        REQUIRE(wait_until([&] { return relay.sessions() == 0; }));
        raw_client again(relay.port());
        open_share(again);
    }
    SECTION("sessions") {
        limits.max_sessions = 2;
        relay_with_share s(limits);
        raw_client first(s.relay.port());
        claim(s.control, first, s.nameplate);
        raw_client second(s.relay.port());
        second.send(claim_frame(s.nameplate));
        CHECK(error_of(second).first == code(rp::error_code::relay_full));
    }
    SECTION("the relay stopping ends the share") {
        relay_with_share s(limits);
        raw_client waiting(s.relay.port());
        claim(s.control, waiting, s.nameplate);
        s.relay.stop();
        CHECK(error_of(s.control).first == code(rp::error_code::shutting_down));
        CHECK(error_of(waiting).first == code(rp::error_code::shutting_down));
    }
}

TEST_CASE("a plain ALLOCATE and CLAIM work beside a share", "[relay][share][e2e]") {
    relay_fixture relay;
    raw_client control(relay.port());
    const auto shared = open_share(control);
    raw_client sender(relay.port());
    sender.send(allocate_frame());
    const auto [type, payload] = sender.read_frame();
    REQUIRE(type == type_of(rp::frame_type::allocated));
    const auto nameplate = get_u32(payload.data());
    CHECK(nameplate != shared);
    raw_client receiver(relay.port());
    receiver.send(claim_frame(nameplate));
    CHECK(receiver.read_frame().first == type_of(rp::frame_type::paired));
    CHECK(sender.read_frame().first == type_of(rp::frame_type::paired));
    check_piped(sender, receiver, "plain");
    raw_client share_receiver(relay.port());
    raw_client data(relay.port());
    join(data, share_receiver, shared, claim(control, share_receiver, shared));
    check_piped(data, share_receiver, "shared");
}
