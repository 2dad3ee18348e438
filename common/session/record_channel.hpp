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
    // Sends the first n bytes of prepare() as one record. With `hold`, a record may wait in the
    // buffer (up to hold_limit bytes of them) and go out in one write with the next record sent
    // without it, or at flush(): small records (a tree's small files) then cost one write for
    // many. A caller that holds must flush() before it waits for anything else.
    awaitable<void> send(std::size_t n, bool hold = false);
    awaitable<void> flush();
    // Sends `payload` (from anywhere but prepare()) as one record, sealed straight from it into
    // the buffer: no copy first. `hold` as for send().
    awaitable<void> send_from(byte_span payload, bool hold = false);
    static constexpr std::size_t hold_limit = 256 * 1024;
    // The next record's payload; valid until the next receive().
    awaitable<byte_span> receive();

    // Completes once the peer has sent something or closed, without reading it. Records are read
    // exactly, so nothing is buffered here, and cancelling this wait loses no byte.
    awaitable<void> wait_readable();

  private:
    void seal_frame(byte_span payload);

    tcp::socket& socket_;
    deadline& deadline_;
    std::vector<std::uint8_t> out_;
    std::size_t pending_ = 0;  // bytes of sealed records held in out_, not yet written
    frame_reader<record_format> in_;
    std::unique_ptr<record_cipher> sealer_;
    std::unique_ptr<record_cipher> opener_;
};

}  // namespace ferry
