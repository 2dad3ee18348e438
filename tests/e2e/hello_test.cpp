// The transfer HELLO: a receiver that lacks a feature the sender needs is named, not a protocol
// error. (A sender without HELLO, ferry 0.1, is in malicious_sender_test.cpp.)
#include <catch2/catch.hpp>

#include "common/transfer/hello.hpp"
#include "common/transfer/message_channel.hpp"
#include "tests/support/fake_receiver.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;

namespace {

// A receiver from a future (or odd) ferry: its HELLO announces `features`, then it reads until
// the sender closes.
void receiver_announcing(std::uint16_t relay_port, const std::string& code_text,
                         std::uint64_t features) {
    run_fake_receiver(
        relay_port, code_text, [features](record_channel& channel) -> awaitable<void> {
            const msg::message hello = msg::hello{transfer::protocol_version, features, "9.9.9"};
            co_await send_message(channel, hello);
            try {
                for (;;) {
                    auto m = co_await receive_message(channel);
                    if (std::holds_alternative<msg::offer>(m)) throw std::runtime_error("offered");
                }
            } catch (const connection_closed&) {
            }
        });
}

}  // namespace

TEST_CASE("a receiver without a feature the sender needs is told by name", "[hello][e2e]") {
    relay_fixture relay;
    temp_dir in;
    make_file(in.path / "f.bin", 100);
    auto s = start_sender(relay.address(), in.path / "f.bin");
    REQUIRE(!s.code.empty());
    // Bits the sender does not know are ignored; the one it needs is missing.
    receiver_announcing(relay.port(), s.code, std::uint64_t{1} << 40);
    CHECK(s.proc->wait() == 5);
    CHECK_THAT(s.proc->error_output(),
               Catch::Contains("the receiver runs ferry 9.9.9, which cannot receive a single "
                               "file; it needs ferry 0.2 or later"));
}

TEST_CASE("features a side does not know are ignored", "[hello][e2e]") {
    relay_fixture relay;
    temp_dir in;
    make_file(in.path / "f.bin", 100);
    auto s = start_sender(relay.address(), in.path / "f.bin");
    REQUIRE(!s.code.empty());
    // With single_file among unknown bits the sender offers (the fake receiver then stops).
    CHECK_THROWS_WITH(
        receiver_announcing(
            relay.port(), s.code,
            static_cast<std::uint64_t>(transfer::feature::single_file) | (std::uint64_t{1} << 40)),
        Catch::Contains("offered"));
}
