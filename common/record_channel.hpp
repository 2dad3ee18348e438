#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/asio.hpp"
#include "common/bytes.hpp"
#include "common/deadline.hpp"
#include "common/frame_reader.hpp"
#include "common/message.hpp"
#include "common/record_cipher.hpp"
#include "common/record_format.hpp"

namespace ferry {

// Owns one fixed buffer per direction; nothing is allocated per record. The socket and the
// deadline belong to the caller and outlive the channel.
class record_channel {
  public:
    record_channel(tcp::socket& socket, deadline& activity);

    // From the next record on, every record is sealed with `send_key` and opened with
    // `receive_key` (record_cipher).
    void encrypt(const record_key& send_key, const record_key& receive_key);
    [[nodiscard]] bool encrypted() const { return sealer_ != nullptr; }

    // Room for the payload of the next record to send (max_record_payload bytes).
    mutable_byte_span prepare();
    // Sends the first n bytes of prepare() as one record.
    awaitable<void> send(std::size_t n);
    // The next record's payload; valid until the next receive().
    awaitable<byte_span> receive();

    awaitable<void> send_message(const msg::message& m);
    awaitable<msg::message> receive_message();

    // Completes once the peer has sent something or closed, without reading it. Records are read
    // exactly, so nothing is buffered here, and cancelling this wait loses no byte.
    awaitable<void> wait_readable();

  private:
    tcp::socket& socket_;
    deadline& deadline_;
    std::vector<std::uint8_t> out_;
    frame_reader<record_format> in_;
    std::unique_ptr<record_cipher> sealer_;
    std::unique_ptr<record_cipher> opener_;
};

// Reads one whole frame into reader, extending the deadline on each read. Throws
// connection_closed on EOF/reset, wire_error on a malformed header.
template <class Format>
awaitable<void> read_frame(tcp::socket& socket, frame_reader<Format>& reader, deadline* activity);

}  // namespace ferry

#include "common/read_frame_impl.hpp"
