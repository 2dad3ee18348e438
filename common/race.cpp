#include "common/race.hpp"

#include <asio/experimental/deferred.hpp>
#include <asio/experimental/parallel_group.hpp>

namespace ferry {

namespace ex = asio::experimental;

awaitable<std::size_t> race(awaitable<void> a, awaitable<void> b) {
    auto executor = co_await asio::this_coro::executor;
    auto [order, error_a, error_b] =
        co_await ex::make_parallel_group(asio::co_spawn(executor, std::move(a), ex::deferred),
                                         asio::co_spawn(executor, std::move(b), ex::deferred))
            .async_wait(ex::wait_for_one(), use_awaitable);
    const auto& first = order[0] == 0 ? error_a : error_b;
    if (first) std::rethrow_exception(first);
    co_return order[0];
}

awaitable<void> both(awaitable<void> a, awaitable<void> b) {
    auto executor = co_await asio::this_coro::executor;
    auto [order, error_a, error_b] =
        co_await ex::make_parallel_group(asio::co_spawn(executor, std::move(a), ex::deferred),
                                         asio::co_spawn(executor, std::move(b), ex::deferred))
            .async_wait(ex::wait_for_one_error(), use_awaitable);
    const auto& first = order[0] == 0 ? error_a : error_b;
    const auto& second = order[0] == 0 ? error_b : error_a;
    if (first) std::rethrow_exception(first);
    if (second) std::rethrow_exception(second);
}

}  // namespace ferry
