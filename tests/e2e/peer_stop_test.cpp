// A receiver that stops (test-only code): whenever its ABORT comes, before, during or after the
// last record, the real sender must report its reason, not a vague "went away".
#include <catch2/catch.hpp>

#include <thread>

#include "common/net/relay_client.hpp"
#include "common/session/code.hpp"
#include "common/session/session.hpp"
#include "common/transfer/hello.hpp"
#include "common/transfer/message.hpp"
#include "common/transfer/message_channel.hpp"
#include "tests/support/fake_receiver.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;

namespace {

// Accepts the offer, then at once says it has to stop and closes the connection, as a real
// receiver does when its disk fills up: it never reads the records that were sent meanwhile.
void quitting_receiver(std::uint16_t relay_port, const std::string& code_text) {
    run_fake_receiver(relay_port, code_text, [](record_channel& channel) -> awaitable<void> {
        co_await transfer::exchange_hello(channel, transfer::peer_role::sender);
        const auto offer = co_await receive_message(channel);
        if (!std::holds_alternative<msg::offer>(offer)) throw std::runtime_error("no offer");
        const msg::message accept = msg::accept{};
        co_await send_message(channel, accept);
        const msg::message abort = msg::abort{msg::reason::local_io, "the disk is on fire"};
        co_await send_message(channel, abort);
    });
}

}  // namespace

TEST_CASE("a receiver's ABORT reaches the sender whenever it comes", "[peer][e2e]") {
    relay_fixture relay;
    temp_dir in;
    // 1 byte: the sender has sent everything and DONE before the ABORT is read. 64 MiB: the
    // sender is in the middle of the stream, and its writes fail once the receiver is gone.
    const auto size = GENERATE(std::uint64_t{1}, std::uint64_t{64} * 1024 * 1024);
    make_file(in.path / "f.bin", size);
    for (int round = 0; round < 3; ++round) {
        INFO("size " << size << " round " << round);
        auto s = start_sender(relay.address(), in.path / "f.bin");
        REQUIRE(!s.code.empty());
        quitting_receiver(relay.port(), s.code);
        CHECK(s.proc->wait() == exit_peer);
        CHECK_THAT(s.proc->error_output(), Catch::Contains("the receiver stopped") &&
                                               Catch::Contains("the disk is on fire"));
    }
}
