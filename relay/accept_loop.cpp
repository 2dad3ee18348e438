#include "relay/accept_loop.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "common/net/deadline.hpp"

namespace ferry::relay {

awaitable<void> accept_loop(tcp::acceptor& acceptor, std::function<bool()> stopped,
                            spdlog::level::level_enum level, std::string failed,
                            std::function<void(tcp::socket)> handle) {
    using asio::experimental::as_tuple;
    while (!stopped()) {
        auto [ec, socket] = co_await acceptor.async_accept(as_tuple(use_awaitable));
        if (stopped()) break;
        if (ec) {
            spdlog::log(level, "{}: {}", failed, ec.message());
            co_await sleep_for(std::chrono::milliseconds(100));
            continue;
        }
        handle(std::move(socket));
    }
}

}  // namespace ferry::relay
