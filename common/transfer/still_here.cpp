#include "common/transfer/still_here.hpp"

#include "common/transfer/message_channel.hpp"

namespace ferry::transfer {

awaitable<void> still_here::tick() {
    if (clock::now() - told_ < every_) co_return;
    const msg::message keepalive = msg::keepalive{};
    co_await send_message(channel_, keepalive);
    told_ = clock::now();
}

awaitable<void> still_here::tick_and_yield() {
    co_await tick();
    const auto executor = co_await asio::this_coro::executor;
    co_await asio::post(executor, use_awaitable);
}

}  // namespace ferry::transfer
