#pragma once

#include <chrono>
#include <future>
#include <utility>

#include "common/net/asio.hpp"

namespace ferry::receiver {

// Runs `work` (a blocking disk call: syncfs, removing a large folder) on a thread of its own and
// waits for it without blocking the io thread, which meanwhile keeps the link alive (keepalive
// ACKs, the stall watch) and takes signals. Its exception, if any, is rethrown here. The work
// must not touch what the io thread uses meanwhile.
template <class Work>
awaitable<void> off_thread(Work work) {
    auto done = std::async(std::launch::async, std::move(work));
    asio::steady_timer poll(co_await asio::this_coro::executor);
    while (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        poll.expires_after(std::chrono::milliseconds(20));
        co_await poll.async_wait(use_awaitable);
    }
    done.get();
}

}  // namespace ferry::receiver
