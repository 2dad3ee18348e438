#include "tests/support/fake_share.hpp"

#include <chrono>
#include <exception>

#include "common/net/relay_client.hpp"
#include "common/session/code.hpp"
#include "common/session/session.hpp"
#include "common/transfer/hello.hpp"
#include "common/transfer/message_channel.hpp"

namespace ferry::test {

namespace {

awaitable<void> run_share(std::uint16_t port, const fake_listing& plan,
                          std::promise<std::string>& code_promise, std::future<void> released) {
    deadline activity;
    activity.set(std::chrono::seconds(60));
    const host_port relay{"127.0.0.1", port};  // named: docs/architecture.md, GCC 12 and co_await
    auto socket = co_await connect_relay(relay, std::chrono::seconds(5));
    const auto nameplate = co_await allocate_nameplate(socket);
    const auto c = generate_code(nameplate, 2);
    code_promise.set_value(c.text());
    co_await wait_paired(socket);
    auto channel = co_await open_session(socket, activity, session_role::sender, c);
    co_await transfer::exchange_hello(*channel, transfer::peer_role::receiver);
    const msg::message shared = msg::shared{};
    co_await send_message(*channel, shared);
    const auto want = co_await receive_message(*channel);
    const auto* w = std::get_if<msg::want>(&want);
    if (w == nullptr || w->mode != msg::want_mode::list)
        throw std::runtime_error("not a WANT(list)");
    for (const auto& e : plan.entries) {
        const msg::message m = e;
        co_await send_message(*channel, m);
    }
    // Blocks this thread, its own: the receiver has all the entries meanwhile.
    if (plan.hold) released.wait();
    if (!plan.listed) co_return;  // the channel and its socket close: the share went away
    const msg::message listed = msg::listed{static_cast<std::uint32_t>(plan.entries.size())};
    co_await send_message(*channel, listed);
}

}  // namespace

fake_share::fake_share(std::uint16_t relay_port, fake_listing plan) : plan_(std::move(plan)) {
    std::promise<std::string> code_promise;
    auto code_future = code_promise.get_future();
    thread_ = std::thread(
        [this, relay_port, p = std::move(code_promise), r = released_.get_future()]() mutable {
            asio::io_context io;
            asio::co_spawn(io, run_share(relay_port, plan_, p, std::move(r)),
                           [this](std::exception_ptr e) {
                               if (!e) return;
                               try {
                                   std::rethrow_exception(e);
                               } catch (const std::exception& ex) {
                                   error_ = ex.what();
                               }
                           });
            io.run();
        });
    code_ = code_future.get();
}

fake_share::~fake_share() {
    release();
    if (thread_.joinable()) thread_.join();
}

void fake_share::release() {
    if (release_sent_) return;
    release_sent_ = true;
    released_.set_value();
}

std::string fake_share::finish() {
    release();
    thread_.join();
    return error_;
}

}  // namespace ferry::test
