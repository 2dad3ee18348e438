#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/wire/bytes.hpp"

// The relay's own small frames: the hello a client sends first and the relay's answers.
// Layout (docs/protocol.md): "FRLY" | version u8 | type u8 | payload length u16 BE | payload.
namespace ferry::relay_proto {

inline constexpr std::array<std::uint8_t, 4> magic{'F', 'R', 'L', 'Y'};
inline constexpr std::uint8_t version = 1;
inline constexpr std::size_t header_size = 8;
inline constexpr std::size_t max_payload = 512;
inline constexpr std::size_t max_message = 400;

enum class frame_type : std::uint8_t {
    allocate = 0x01,      // client -> relay: sender asks for a nameplate
    claim = 0x02,         // client -> relay: receiver claims a nameplate (u32)
    ping = 0x03,          // client -> relay: liveness / version check
    reconnect = 0x04,     // client -> relay: pair again by rendezvous id (16) and role (u8)
    share = 0x05,         // sender -> relay: open a share (its control connection)
    join = 0x06,          // sender -> relay: a share's data connection, nameplate u32 + ticket (16)
    resume_share = 0x07,  // sender -> relay: a share's new control connection, nameplate + token
    end_share = 0x08,     // sender -> relay, on the control connection: the share ends now
    reopen = 0x09,        // sender -> relay: wait again under the nameplate (u32) it just had
    allocated = 0x11,     // relay -> sender: the nameplate (u32)
    paired = 0x12,        // relay -> both: from now on the relay pipes bytes
    pong = 0x13,          // relay -> client: answer to ping (relay version text)
    arrived = 0x14,       // relay -> share sender: ticket (16) + the receiver's address text
    share_opened = 0x15,  // relay -> share sender: nameplate u32 + token (16) (ferry 0.10)
    error = 0x1f,         // relay -> client: error code u8 + UTF-8 message
};

enum class error_code : std::uint8_t {
    bad_hello = 1,
    unknown_nameplate = 2,
    nameplate_taken = 3,
    hello_timeout = 4,
    no_receiver = 5,  // the sender waited too long
    relay_full = 6,
    too_many_waiting = 7,
    rate_limited = 8,
    shutting_down = 9,
    share_busy = 10,           // too many receivers of the share waiting for their JOIN
    share_ended = 11,          // a JOIN with no receiver behind its ticket, or a share that ended
    cluster_unavailable = 12,  // a clustered relay that cannot reach its Redis
};

inline constexpr std::size_t rendezvous_id_size = 16;
enum class role : std::uint8_t { sender = 0, receiver = 1 };
inline constexpr std::size_t share_ticket_size = 16;
inline constexpr std::size_t max_arrived_address = 64;

struct frame {
    frame_type type{};
    std::uint32_t nameplate = 0;                           // allocated, claim
    error_code error{};                                    // error
    std::string text;                                      // error message, pong text, address
    std::array<std::uint8_t, rendezvous_id_size> id{};     // reconnect
    role side = role::sender;                              // reconnect
    std::array<std::uint8_t, share_ticket_size> ticket{};  // join, arrived; the token: resume,
                                                           // share_opened
    bool resumable = false;  // share: 1 payload byte 0x01 (ferry 0.10), answered share_opened
};

std::vector<std::uint8_t> encode(const frame& f);

// Validates the 8-byte header; returns the payload length or throws wire_error.
std::size_t payload_size(byte_span header, std::size_t max);

// Decodes a whole frame (header + payload already checked by payload_size).
frame decode(byte_span header, byte_span payload);

std::string_view describe(error_code code);

struct format {
    static constexpr std::size_t header_size = relay_proto::header_size;
    static std::size_t payload_size(byte_span header, std::size_t max) {
        return relay_proto::payload_size(header, max);
    }
};

}  // namespace ferry::relay_proto
