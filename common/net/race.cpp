#include "common/net/race.hpp"

#include <array>

#include <asio/experimental/deferred.hpp>
#include <asio/experimental/parallel_group.hpp>

namespace ferry {

namespace ex = asio::experimental;

namespace {

struct outcome {
    std::size_t first;                         // index of the one that completed first
    std::array<std::exception_ptr, 2> errors;  // by index
};

// Runs a and b as a parallel group until `condition` says so; the rest is cancelled and waited for.
template <class Condition>
awaitable<outcome> run_pair(awaitable<void> a, awaitable<void> b, Condition condition) {
    auto executor = co_await asio::this_coro::executor;
    auto [order, error_a, error_b] =
        co_await ex::make_parallel_group(asio::co_spawn(executor, std::move(a), ex::deferred),
                                         asio::co_spawn(executor, std::move(b), ex::deferred))
            .async_wait(condition, use_awaitable);
    co_return outcome{order[0], {error_a, error_b}};
}

}  // namespace

awaitable<std::size_t> race(awaitable<void> a, awaitable<void> b) {
    const auto r = co_await run_pair(std::move(a), std::move(b), ex::wait_for_one());
    if (r.errors[r.first]) std::rethrow_exception(r.errors[r.first]);
    co_return r.first;
}

awaitable<void> both(awaitable<void> a, awaitable<void> b) {
    const auto r = co_await run_pair(std::move(a), std::move(b), ex::wait_for_one_error());
    if (r.errors[r.first]) std::rethrow_exception(r.errors[r.first]);
    if (r.errors[1 - r.first]) std::rethrow_exception(r.errors[1 - r.first]);
}

}  // namespace ferry
