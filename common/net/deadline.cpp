#include "common/net/deadline.hpp"

namespace ferry {

awaitable<void> watchdog(const deadline& d) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    auto now = clock::now();
    while (d.at > now) {
        timer.expires_at(d.at);
        co_await timer.async_wait(use_awaitable);
        now = clock::now();
    }
}

awaitable<void> sleep_for(clock::duration d) {
    asio::steady_timer timer(co_await asio::this_coro::executor, d);
    co_await timer.async_wait(use_awaitable);
}

}  // namespace ferry
