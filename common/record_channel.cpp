#include "common/record_channel.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/wire_error.hpp"

namespace ferry {

std::size_t record_format::payload_size(byte_span header, std::size_t max) {
    const std::size_t size = get_u32(header.data());
    if (size == 0) throw wire_error("empty record");
    if (size > max) {
        throw wire_error(fmt::format("record of {} bytes is over the limit of {}", size, max));
    }
    return size;
}

record_channel::record_channel(tcp::socket& socket, deadline& activity)
    : socket_(socket),
      deadline_(activity),
      out_(record_format::header_size + max_record_payload),
      in_(max_record_payload) {}

mutable_byte_span record_channel::prepare() {
    return {out_.data() + record_format::header_size, max_record_payload};
}

awaitable<void> record_channel::send(std::size_t n) {
    if (n == 0 || n > max_record_payload) throw wire_error("record size out of range");
    put_u32(out_.data(), static_cast<std::uint32_t>(n));
    auto [ec, written] = co_await asio::async_write(
        socket_, asio::buffer(out_.data(), record_format::header_size + n),
        asio::experimental::as_tuple(use_awaitable));
    if (ec) {
        if (ec == asio::error::operation_aborted) throw std::system_error(ec);
        throw connection_closed("the connection closed");
    }
    deadline_.extend();
}

awaitable<byte_span> record_channel::receive() {
    co_await read_frame(socket_, in_, &deadline_);
    co_return in_.payload();
}

awaitable<void> record_channel::send_message(const msg::message& m) {
    const auto bytes = msg::encode(m);
    std::copy(bytes.begin(), bytes.end(), prepare().begin());
    co_await send(bytes.size());
}

awaitable<msg::message> record_channel::receive_message() {
    co_return msg::decode(co_await receive());
}

}  // namespace ferry
