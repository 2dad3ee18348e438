#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/crypto/record_cipher.hpp"
#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "common/wire/bytes.hpp"
#include "common/wire/frame_reader.hpp"
#include "common/wire/record_format.hpp"

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

}  // namespace ferry
