#pragma once

#include <system_error>

#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "common/wire/frame_reader.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry {

// Reads one whole frame into reader, extending the deadline on each read. Throws
// connection_closed on EOF/reset, wire_error on a malformed header.
template <class Format>
awaitable<void> read_frame(tcp::socket& socket, frame_reader<Format>& reader, deadline* activity) {
    reader.reset();
    for (;;) {
        auto want = reader.wanted();
        auto [ec, n] = co_await socket.async_read_some(asio::buffer(want.data(), want.size()),
                                                       asio::experimental::as_tuple(use_awaitable));
        if (ec) {
            if (ec == asio::error::operation_aborted) throw std::system_error(ec);
            throw connection_closed(reader.started()
                                        ? "the connection closed in the middle of a frame"
                                        : "the connection closed",
                                    ec == asio::error::eof ? std::error_code() : ec);
        }
        if (activity != nullptr) activity->extend();
        if (reader.commit(n)) co_return;
    }
}

}  // namespace ferry
