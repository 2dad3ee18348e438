#include "common/session/record_channel.hpp"

#include "common/net/read_frame.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/wire/wire_error.hpp"

namespace ferry {

record_channel::record_channel(tcp::socket& socket, deadline& activity)
    : socket_(socket),
      deadline_(activity),
      out_(hold_limit + record_format::header_size + max_record_body),
      in_(max_record_body) {}

void record_channel::encrypt(const record_key& send_key, const record_key& receive_key) {
    sealer_ = std::make_unique<record_cipher>(send_key, record_cipher::mode::seal);
    opener_ = std::make_unique<record_cipher>(receive_key, record_cipher::mode::open);
}

mutable_byte_span record_channel::prepare() {
    return {out_.data() + pending_ + record_format::header_size, max_record_payload};
}

awaitable<void> record_channel::send(std::size_t n, bool hold) {
    if (n == 0 || n > max_record_payload) throw wire_error("record size out of range");
    seal_frame(prepare().first(n));
    // What is held stays below hold_limit, so that prepare() always has a whole record's room.
    if (hold && pending_ <= hold_limit) co_return;
    co_await flush();
}

awaitable<void> record_channel::send_from(byte_span payload, bool hold) {
    if (payload.empty() || payload.size() > max_record_payload) {
        throw wire_error("record size out of range");
    }
    seal_frame(payload);
    if (hold && pending_ <= hold_limit) co_return;
    co_await flush();
}

// The record's header at pending_, then `payload` sealed (or copied, before the key exchange)
// behind it; `payload` is either prepare()'s room or outside out_.
void record_channel::seal_frame(byte_span payload) {
    const auto n = payload.size();
    const auto body = sealer_ ? n + record_tag_size : n;
    const auto frame = std::span(out_).subspan(pending_);
    put_u32(frame.data(), static_cast<std::uint32_t>(body));
    const auto into = frame.subspan(record_format::header_size, n);
    if (sealer_) {
        sealer_->seal(frame.first(record_format::header_size), payload, into,
                      frame.subspan(record_format::header_size + n).first<record_tag_size>());
    } else if (payload.data() != into.data()) {
        std::copy(payload.begin(), payload.end(), into.begin());
    }
    pending_ += record_format::header_size + body;
}

awaitable<void> record_channel::flush() {
    if (pending_ == 0) co_return;
    const auto length = pending_;
    pending_ = 0;  // whatever happens: a failed write ends the channel
    auto [ec, written] = co_await asio::async_write(socket_, asio::buffer(out_.data(), length),
                                                    asio::experimental::as_tuple(use_awaitable));
    if (ec) {
        if (ec == asio::error::operation_aborted) throw std::system_error(ec);
        throw connection_closed("the connection closed",
                                ec == asio::error::eof ? std::error_code() : ec);
    }
    deadline_.extend();
}

awaitable<byte_span> record_channel::receive() {
    co_await read_frame(socket_, in_, &deadline_);
    if (!opener_) {
        if (in_.payload().size() > max_record_payload) throw wire_error("record over the limit");
        co_return in_.payload();
    }
    const auto body = in_.mutable_payload();
    if (body.size() <= record_tag_size) throw integrity_error("an encrypted record is too short");
    const auto payload = body.first(body.size() - record_tag_size);
    opener_->open(in_.header(), payload, body.last<record_tag_size>());
    co_return payload;
}

awaitable<void> record_channel::wait_readable() {
    co_await socket_.async_wait(tcp::socket::wait_read, use_awaitable);
}

}  // namespace ferry
