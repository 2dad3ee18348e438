#pragma once

#include <system_error>

#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "common/wire/frame_reader.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry {

// Reads into reader until its frame's header (with `header_only`) or the whole frame is there,
// going on from whatever it already holds: a read cancelled by the caller loses no byte (a
// reactor read either completes with its bytes or is aborted with none), and a later call picks
// the frame up where it stopped. Extends the deadline on each read. Throws connection_closed on
// EOF/reset, wire_error on a malformed header.
template <class Format>
awaitable<void> read_frame_part(tcp::socket& socket, frame_reader<Format>& reader,
                                deadline* activity, bool header_only) {
    while (!reader.complete() && !(header_only && reader.header_done())) {
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
        reader.commit(n);
    }
}

// Reads one whole frame into reader, from its start.
template <class Format>
awaitable<void> read_frame(tcp::socket& socket, frame_reader<Format>& reader, deadline* activity) {
    reader.reset();
    co_await read_frame_part(socket, reader, activity, false);
}

}  // namespace ferry
