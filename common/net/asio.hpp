#pragma once

// One place that pulls in standalone Asio with the coroutine pieces ferry uses.
#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>

namespace ferry {
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
}  // namespace ferry
