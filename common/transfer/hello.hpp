#pragma once

#include <cstdint>
#include <string_view>

#include "common/net/asio.hpp"
#include "common/session/record_channel.hpp"
#include "common/transfer/message.hpp"

// The transfer protocol's first step: each side's HELLO, its version and features. Each side
// then uses only what both announce, and a user's wish the other side cannot meet is a clear
// error naming the feature, never a protocol error.
namespace ferry::transfer {

inline constexpr std::uint8_t protocol_version = 2;  // ferry 0.2; 0.1 had no HELLO

enum class feature : std::uint64_t {
    single_file = 1U << 0,  // OFFER kind 0: one regular file
    stream = 1U << 1,       // OFFER kind 1: bytes of unknown length
    text = 1U << 2,         // OFFER kind 2: a short text
    tree = 1U << 3,         // OFFER kind 3: files, folders and symlinks, ENTRY and FILE_END
    compress = 1U << 4,     // ZDATA: takes zstd-compressed data records (a sender may send them)
    resume = 1U << 5,       // RESUME and RESUME_FROM: a file continues where a receiver stopped
    reconnect = 1U << 6,    // ACK records and RECONNECT: a broken connection is reconnected
    tree_resume = 1U << 7,  // RESUME_TREE, TREE_KEPT, TREE_FROM: a tree continues likewise
    share = 1U << 8,        // SHARED, WANT, LISTED: a share is listed, or taken in part
    // With reconnect: this side writes a record at least once a second (an ACK when it has
    // nothing else to say), so that the peer can take a second of silence after its stall
    // timeout for a dead path, whatever either side is doing.
    keepalive = 1U << 9,
};

// What this build speaks.
msg::hello our_hello();

// Who the other side is, for messages: "sender" or "receiver".
enum class peer_role { sender, receiver };

// Sends our HELLO and reads the peer's. Throws failure(network) for a peer too old to send one
// (a ferry 0.1 sender's OFFER comes instead) or a version below ours.
// `reconnects`: this side announces feature::reconnect (it would reconnect: --reconnect-for is
// not 0).
awaitable<msg::hello> exchange_hello(record_channel& channel, peer_role peer,
                                     bool reconnects = true);

[[nodiscard]] bool has(const msg::hello& h, feature f);

// Throws failure(peer): "the receiver runs ferry 0.2.0, which cannot receive a single file; it
// needs ferry 0.2 or later", unless both announced `f`.
void require(const msg::hello& peer_hello, feature f, peer_role peer);

}  // namespace ferry::transfer
