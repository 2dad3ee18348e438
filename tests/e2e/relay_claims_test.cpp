// The failed-claims budget at the relay: what an address over it is told, and that it holds for a
// right nameplate too (docs/security.md explains why).
#include <catch2/catch.hpp>

#include <regex>

#include "common/wire/bytes.hpp"
#include "common/wire/relay_frame.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
namespace rp = ferry::relay_proto;

namespace {

// The error frame's code and text.
std::pair<std::uint8_t, std::string> refusal(raw_client& c) {
    const auto [type, payload] = c.read_frame();
    REQUIRE(type == static_cast<std::uint8_t>(rp::frame_type::error));
    REQUIRE(!payload.empty());
    return {payload[0], std::string(payload.begin() + 1, payload.end())};
}

}  // namespace

TEST_CASE("an address over its failed-claims budget is told how long to wait", "[relay][e2e]") {
    auto limits = relay_fixture::fast_limits();
    limits.failed_claims_per_minute = 2;  // a token every 30 s
    relay_fixture relay(limits);
    raw_client sender(relay.port(), "127.0.0.2");
    sender.send(allocate_frame());
    const auto [type, payload] = sender.read_frame();
    REQUIRE(type == static_cast<std::uint8_t>(rp::frame_type::allocated));
    const auto nameplate = get_u32(payload.data());
    for (std::uint32_t wrong = nameplate + 1; wrong <= nameplate + 2; ++wrong) {
        raw_client scanner(relay.port());
        scanner.send(claim_frame(wrong));
        CHECK(refusal(scanner).first ==
              static_cast<std::uint8_t>(rp::error_code::unknown_nameplate));
    }
    // The right nameplate from the same address is refused as well, with the wait.
    raw_client receiver(relay.port());
    receiver.send(claim_frame(nameplate));
    const auto [code, text] = refusal(receiver);
    CHECK(code == static_cast<std::uint8_t>(rp::error_code::rate_limited));
    INFO(text);
    std::smatch m;
    REQUIRE(std::regex_match(text, m,
                             std::regex("too many failed claims from your address; try again in "
                                        "([0-9]+) s")));
    const auto seconds = std::stoi(m[1]);
    CHECK(seconds >= 1);
    CHECK(seconds <= 30);
    // Another address claims it.
    raw_client elsewhere(relay.port(), "127.0.0.3");
    elsewhere.send(claim_frame(nameplate));
    CHECK(elsewhere.read_frame().first == static_cast<std::uint8_t>(rp::frame_type::paired));
}

TEST_CASE(
    "ferry receive over its address's failed-claims budget is refused, exit 3, as the "
    "README says, and the sender keeps waiting",
    "[relay][e2e]") {
    auto limits = relay_fixture::fast_limits();
    limits.failed_claims_per_minute = 2;
    relay_fixture relay(limits);
    temp_dir in;
    temp_dir out;
    make_file(in.path / "a.bin", 100);
    auto s = start_sender(relay.address(), in.path / "a.bin");
    REQUIRE(!s.code.empty());
    const auto nameplate = static_cast<std::uint32_t>(std::stoul(s.code));
    for (std::uint32_t wrong = nameplate + 1; wrong <= nameplate + 2; ++wrong) {
        raw_client scanner(relay.port());
        scanner.send(claim_frame(wrong));
        CHECK(refusal(scanner).first ==
              static_cast<std::uint8_t>(rp::error_code::unknown_nameplate));
    }
    auto r = start_receiver(relay.address(), s.code, out.path);
    CHECK(r->wait() == 3);
    CHECK_THAT(r->error_output(),
               Catch::Contains("the relay refused: too many failed claims from your address; "
                               "try again in "));
    CHECK(s.proc->running());
}
