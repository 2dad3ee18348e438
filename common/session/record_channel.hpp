#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto/record_cipher.hpp"
#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "common/net/phases.hpp"
#include "common/session/reconnect_keys.hpp"
#include "common/session/replay_log.hpp"
#include "common/wire/bytes.hpp"
#include "common/wire/frame_reader.hpp"
#include "common/wire/raw_buffer.hpp"
#include "common/wire/record_format.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry {

// Session-layer record types of a channel that survives a broken connection (docs/protocol.md
// §2.3): never given to the layer above.
inline constexpr std::uint8_t reconnect_nonce_record = 0x12;  // plaintext, first on a new link
inline constexpr std::uint8_t resync_record = 0x13;           // first sealed record on a new link
inline constexpr std::uint8_t ack_record = 0x14;              // records received so far
inline constexpr std::uint8_t bye_record = 0x15;  // the session ends here: do not reconnect

// How a channel reconnects: `connect` reaches the peer again through the relay (RECONNECT with
// the rendezvous id) and returns the new connection once paired; `within` bounds the whole
// attempt; `on_lost` and `on_back` tell the person.
inline constexpr std::size_t default_replay_window = std::size_t{16} << 20U;

struct reconnect_plan {
    bool as_sender = false;
    std::function<awaitable<tcp::socket>(const rendezvous_id& id, clock::duration left)> connect;
    clock::duration within = std::chrono::minutes(2);
    std::function<void(const std::string& cause)> on_lost;
    std::function<void()> on_back;
    // Bytes sent and kept until acknowledged (the replay window), at least 2 MiB + 128: what
    // a reconnect can send again; more keeps a long, fast path busier. A share, which has a
    // channel per receiver, keeps less.
    std::size_t window = default_replay_window;
    // How long the channel's end may wait for its BYE to go out and the peer to close: the
    // thread waits meanwhile (a share, with many channels on one thread, waits less).
    std::chrono::milliseconds bye_within{phases::abort_grace};
    // A link on which nothing arrives for this long is taken for dead and reconnected: a NAT
    // that forgot it, a pulled cable. With a peer that keeps the link alive (HELLO feature
    // keepalive: a record at least once a second) this holds whatever either side is doing;
    // with an older peer, only while it owes us an acknowledgement.
    clock::duration stall_after = std::chrono::seconds(30);
    bool peer_keeps_alive = false;
};

// Owns one fixed buffer per direction; nothing is allocated per record. The first socket and
// the deadline belong to the caller and outlive the channel; a socket made by a reconnect is
// the channel's.
class record_channel {
  public:
    record_channel(tcp::socket& socket, deadline& activity);
    // With reconnect on, tells the peer (BYE, best effort, waiting at most the plan's
    // bye_within for it to go out and the peer to close) that this side is done, so that it
    // reports a peer gone at once instead of reconnecting in vain.
    ~record_channel();

    // From the next record on, every record is sealed with `send_key` and opened with
    // `receive_key` (record_cipher).
    void encrypt(const record_key& send_key, const record_key& receive_key);
    [[nodiscard]] bool encrypted() const { return sealer_ != nullptr; }

    // The key exchange leaves what a reconnect needs; enable_reconnect() then counts every
    // record from the next on, keeps what was sent until the peer acknowledges it, and makes a
    // broken connection (reset, EOF) a reconnect instead of an error, for plan.within.
    void keep_for_reconnect(const reconnect_secret& s) { secret_ = s; }
    void enable_reconnect(reconnect_plan plan);
    [[nodiscard]] bool reconnects() const { return plan_.has_value(); }
    // What the channel's end says first, if the session did not end (a record payload, or
    // nothing): a stop signal's ABORT, so that the peer reports why at once. Asked on the way
    // out, so it names what happened last; sent once keyed, with or without reconnect.
    void set_farewell(std::function<std::vector<std::uint8_t>()> farewell) {
        farewell_ = std::move(farewell);
    }
    // The conversation is over (VERIFIED sent or received): no BYE at the end, whose arrival
    // after the peer closed would only reset its connection.
    void end_session() { ended_ = true; }
    [[nodiscard]] std::uint64_t reconnect_count() const { return reconnections_; }
    // Bytes sent and kept until the peer acknowledges them (0 without reconnect).
    [[nodiscard]] std::size_t unacknowledged_bytes() const { return log_ ? log_->bytes_held() : 0; }
    static constexpr std::size_t window = default_replay_window;
    static constexpr std::size_t ack_every = std::size_t{1} << 20U;  // bytes received
    // With keepalive, a side whose writer has been idle this long sends an ACK anyway.
    static constexpr auto keepalive_every = std::chrono::seconds(1);

    // Room for the payload of the next record to send (max_record_payload bytes); valid until
    // the next send.
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

    // Completes once the peer has sent something or closed. Records are read exactly, so a
    // cancelled wait loses no byte; with reconnect on, the peer's ACKs are taken here and the
    // next record may be read (and kept for receive()).
    awaitable<void> wait_readable();

  private:
    // ACK and RESYNC: the type, then a count of records.
    static constexpr std::size_t control_size = 1 + 8;
    // Room in the output buffer beyond its records for an ACK (or a RESYNC).
    static constexpr std::size_t control_room =
        2 * (record_format::header_size + control_size + 16);
    void seal_frame(byte_span payload);
    void seal_control(std::uint8_t type, std::uint64_t value);
    awaitable<void> after_record(bool hold);
    awaitable<void> write_pending();
    awaitable<void> wait_writer();
    awaitable<void> wait_room();
    awaitable<byte_span> read_record();
    awaitable<void> read_into_in(bool header_only);
    awaitable<bool> skipped_ack();
    bool took_ack(byte_span payload);
    // A broken connection: the first to see it reconnects, others wait for that.
    awaitable<void> recover(const connection_closed& cause, std::uint64_t link);
    awaitable<void> reconnect(const connection_closed& cause);
    awaitable<void> attempt(clock::duration left);
    awaitable<reconnect_nonce> exchange_nonces(tcp::socket& fresh, const reconnect_nonce& mine);
    void take_reconnect_keys(const reconnect_nonce& mine, const reconnect_nonce& theirs);
    awaitable<std::uint64_t> resynchronise(tcp::socket& fresh);
    awaitable<void> read_handshake(tcp::socket& socket);
    awaitable<void> write_to(tcp::socket& socket);
    awaitable<void> replay(tcp::socket& socket, std::uint64_t from);
    awaitable<void> wait_event();
    byte_span open_record();
    [[nodiscard]] bool ack_due() const;

    tcp::socket* socket_;
    std::optional<tcp::socket> own_socket_;
    deadline& deadline_;
    raw_buffer out_;           // sized for the largest records: only the pages used are resident
    std::size_t pending_ = 0;  // bytes of sealed records held in out_, not yet written
    frame_reader<record_format> in_;
    std::uint64_t in_link_ = 0;  // the link in_'s record (or its beginning) came from
    // A record wait_readable() read and opened for the next receive(); it lives in in_.
    bool held_ = false;
    byte_span held_payload_;
    std::unique_ptr<record_cipher> sealer_;
    std::unique_ptr<record_cipher> opener_;

    // Reconnect state (enable_reconnect()).
    std::optional<reconnect_secret> secret_;
    std::optional<reconnect_plan> plan_;
    std::function<std::vector<std::uint8_t>()> farewell_;
    std::unique_ptr<replay_log> log_;
    std::uint64_t received_ = 0;        // records given to the layer above
    std::uint64_t acked_received_ = 0;  // the last count we acknowledged
    std::size_t unacked_bytes_ = 0;
    clock::time_point last_ack_{};
    clock::time_point last_write_{};
    std::uint64_t reconnections_ = 0;
    std::uint64_t link_ = 0;  // which connection: moves on at every reconnect
    bool writing_ = false;
    bool ended_ = false;
    bool plaintext_nonce_ = false;  // sealing the reconnect nonce, the one plaintext record
    // Since when the link is down: a reconnect cancelled half-way (a race lost) and taken up
    // again by the next operation keeps its deadline, and is announced once.
    std::optional<clock::time_point> lost_since_;
    std::string lost_cause_;
    // A link that stays silent while the peer owes an acknowledgement is taken for broken
    // (stall_after): a middlebox or NAT that drops a connection without a word
    // (record_channel_stall.cpp).
    struct stall_watch;
    std::shared_ptr<stall_watch> watch_;
    void start_stall_watch();
    static awaitable<void> watch_stalls(std::shared_ptr<stall_watch> watch);
    void heard_from_peer();
    void keep_alive();
    bool recovering_ = false;
    std::exception_ptr recovery_failed_;
    asio::steady_timer event_;  // cancelled whenever a waiter may go on
};

}  // namespace ferry
