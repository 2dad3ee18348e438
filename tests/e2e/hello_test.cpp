// The transfer HELLO: a receiver that lacks a feature the sender needs is named, not a protocol
// error. (A sender without HELLO, ferry 0.1, is in malicious_sender_test.cpp.)
#include <catch2/catch.hpp>

#include "common/transfer/hello.hpp"
#include "common/transfer/message_channel.hpp"
#include "tests/support/fake_receiver.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;

TEST_CASE("a receiver without a feature the sender needs is told by name", "[hello][e2e]") {
    relay_fixture relay;
    temp_dir in;
    make_file(in.path / "f.bin", 100);
    auto s = start_sender(relay.address(), in.path / "f.bin");
    REQUIRE(!s.code.empty());
    // Bits the sender does not know are ignored; the one it needs is missing.
    CHECK(!receiver_announcing(relay.port(), s.code, std::uint64_t{1} << 40));
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
    // With single_file among unknown bits the sender offers (the fake receiver then closes).
    const auto features =
        static_cast<std::uint64_t>(transfer::feature::single_file) | (std::uint64_t{1} << 40);
    CHECK(receiver_announcing(relay.port(), s.code, features));
    CHECK(s.proc->wait() == 5);  // the receiver went away after the offer
}
