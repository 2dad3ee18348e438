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

namespace ferry {

// The session layer between sender and receiver, inside the relay's pipe: a stream of records,
// each `length u32 BE | body`. Before encryption is on (the PAKE exchange) the body is the
// payload; after, it is `ciphertext | 16-byte GCM tag`. The length is never 0 and never above
// max_record_body.
inline constexpr std::size_t max_record_payload = (std::size_t{1} << 20) + 64;
inline constexpr std::size_t max_record_body = max_record_payload + record_tag_size;
// File bytes per data record (plus one type byte); large to keep syscalls per byte low.
inline constexpr std::size_t data_chunk_size = 256 * 1024;

struct record_format {
    static constexpr std::size_t header_size = 4;
    static std::size_t payload_size(byte_span header, std::size_t max);
};

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
