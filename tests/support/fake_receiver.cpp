#include "tests/support/fake_receiver.hpp"

#include <chrono>
#include <exception>

#include "common/net/relay_client.hpp"
#include "common/session/code.hpp"
#include "common/session/session.hpp"
#include "common/transfer/message_channel.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry::test {

namespace {

awaitable<void> fake_receiver(std::uint16_t relay_port, std::string code_text,
                              const std::function<awaitable<void>(record_channel&)>& play) {
    deadline activity;
    activity.set(std::chrono::seconds(30));
    const auto c = parse_code(code_text);
    const host_port relay{"127.0.0.1", relay_port};
    auto socket = co_await connect_relay(relay, std::chrono::seconds(5));
    co_await claim_nameplate(socket, c.nameplate);
    auto channel = co_await open_session(socket, activity, session_role::receiver, c);
    co_await play(*channel);
}

}  // namespace

void run_fake_receiver(std::uint16_t relay_port, const std::string& code_text,
                       const std::function<awaitable<void>(record_channel&)>& play) {
    asio::io_context io;
    std::exception_ptr error;
    asio::co_spawn(io, fake_receiver(relay_port, code_text, play),
                   [&](std::exception_ptr e) { error = e; });
    io.run();
    if (error) std::rethrow_exception(error);
}

bool receiver_announcing(std::uint16_t relay_port, const std::string& code_text,
                         std::uint64_t features) {
    bool offered = false;
    run_fake_receiver(relay_port, code_text, [&](record_channel& channel) -> awaitable<void> {
        const msg::message hello = msg::hello{2, features, "9.9.9"};
        co_await send_message(channel, hello);
        try {
            for (;;) {
                const auto m = co_await receive_message(channel);
                if (!std::holds_alternative<msg::offer>(m)) continue;
                offered = true;  // then leaves: the sender sees the receiver go
                co_return;
            }
        } catch (const connection_closed&) {
        }
    });
    return offered;
}

}  // namespace ferry::test
