#include "common/session/record_channel.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include "common/net/dead_path.hpp"
#include "common/net/lingering_close.hpp"
#include "common/net/read_frame.hpp"
#include "common/session/record_channel_stall.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry {

namespace {

using namespace std::chrono_literals;
using asio::experimental::as_tuple;

// An ACK rides along with what is written anyway once this long has passed since the last.
constexpr auto ack_interval = 1s;

}  // namespace

record_channel::record_channel(tcp::socket& socket, deadline& activity)
    : socket_(&socket),
      deadline_(activity),
      // What is held (below hold_limit), the rest of a write cut short (at most that and a
      // record), then a whole new record: prepare() always has its room.
      out_(hold_limit + 2 * (record_format::header_size + max_record_body) + control_room),
      in_(max_record_body),
      event_(socket.get_executor(), clock::time_point::max()) {}

record_channel::~record_channel() {
    if (watch_) watch_->stop();
    if (ended_ || writing_ || recovering_ || !socket_->is_open()) return;
    try {
        const auto farewell = farewell_ && sealer_ ? farewell_() : std::vector<std::uint8_t>{};
        if (!log_ && farewell.empty()) return;
        // Behind the rest of a record whose write was cut short, if any. Not kept for a
        // reconnect: after a BYE there is none.
        if (!farewell.empty()) seal_frame(farewell);
        if (log_) {
            const std::array<std::uint8_t, 1> bye{bye_record};
            seal_frame(bye);
        }
        const auto until = clock::now() + (plan_ ? plan_->bye_within : reconnect_plan{}.bye_within);
        send_and_linger(socket_->native_handle(), std::span(out_).first(pending_), until);
    } catch (const std::exception&) {
        // Best effort: the peer then finds the connection closed and tries to reconnect.
    }
}

void record_channel::encrypt(const record_key& send_key, const record_key& receive_key) {
    sealer_ = std::make_unique<record_cipher>(send_key, record_cipher::mode::seal);
    opener_ = std::make_unique<record_cipher>(receive_key, record_cipher::mode::open);
}

void record_channel::enable_reconnect(reconnect_plan plan) {
    if (!secret_ || !sealer_) throw std::logic_error("record_channel: no session to reconnect");
    plan_ = std::move(plan);
    log_ = std::make_unique<replay_log>(plan_->window, max_record_payload);
    last_ack_ = clock::now();
    detect_dead_path(*socket_);
    start_stall_watch();
}

mutable_byte_span record_channel::prepare() {
    if (log_) return log_->room();
    return {out_.data() + pending_ + record_format::header_size, max_record_payload};
}

awaitable<void> record_channel::send(std::size_t n, bool hold) {
    if (n == 0 || n > max_record_payload) throw wire_error("record size out of range");
    if (log_) {
        co_await wait_writer();
        const auto record = log_->room().first(n);  // what prepare() gave
        log_->commit(n);
        seal_frame(record);
    } else {
        seal_frame(prepare().first(n));
    }
    co_await after_record(hold);
}

awaitable<void> record_channel::send_from(byte_span payload, bool hold) {
    if (payload.empty() || payload.size() > max_record_payload) {
        throw wire_error("record size out of range");
    }
    if (log_) {
        co_await wait_writer();
        log_->append(payload);
    }
    seal_frame(payload);
    co_await after_record(hold);
}

// What is held stays below hold_limit, so that prepare() always has a whole record's room. A
// full window waits for the peer's acknowledgements (read by whoever receives meanwhile).
awaitable<void> record_channel::after_record(bool hold) {
    if (!hold || pending_ > hold_limit) co_await flush();
    if (log_ && !log_->has_room()) {
        co_await flush();
        co_await wait_room();
    }
}

// The record's header at pending_, then `payload` sealed (or copied, before the key exchange)
// behind it; `payload` is either prepare()'s room or outside out_.
void record_channel::seal_frame(byte_span payload) {
    // Once keyed, never a plaintext record, also not after a reconnect cancelled half-way.
    if (log_ && !sealer_ && !plaintext_nonce_) throw std::logic_error("record_channel: no keys");
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

// ACK and RESYNC carry the number of records received so far: the peer may forget those.
void record_channel::seal_control(std::uint8_t type, std::uint64_t value) {
    std::array<std::uint8_t, control_size> record{};
    record[0] = type;
    put_u64(record.data() + 1, value);
    seal_frame(record);
    acked_received_ = received_;
    unacked_bytes_ = 0;
    last_ack_ = clock::now();
}

bool record_channel::ack_due() const {
    return log_ && received_ > acked_received_ &&
           (unacked_bytes_ >= ack_every || clock::now() - last_ack_ >= ack_interval);
}

awaitable<void> record_channel::flush() {
    co_await wait_writer();
    if (ack_due()) seal_control(ack_record, received_);
    if (pending_ == 0) co_return;
    co_await write_pending();
}

awaitable<void> record_channel::write_pending() {
    const auto link = link_;
    const auto length = pending_;
    pending_ = 0;  // whatever happens: a failed write ends the link
    writing_ = true;
    auto [ec, written] = co_await asio::async_write(*socket_, asio::buffer(out_.data(), length),
                                                    as_tuple(use_awaitable));
    writing_ = false;
    last_write_ = clock::now();
    event_.cancel();
    if (!ec) {
        deadline_.extend();
        co_return;
    }
    const bool broken_here = link != link_ || recovering_;
    if (ec == asio::error::operation_aborted && !broken_here) {
        // Cancelled by the caller (a race lost, Ctrl-C): part of a record may be on the wire,
        // so its rest goes out first, before anything else (a BYE, say) is sealed behind it.
        std::memmove(out_.data(), out_.data() + written, length - written);
        pending_ = length - written;
        throw std::system_error(ec);
    }
    const connection_closed closed("the connection closed",
                                   ec == asio::error::eof ? std::error_code() : ec);
    if (!log_) throw closed;
    co_await recover(closed, link);  // sends again what this write held
}

// Waits until no write is under way: records are sealed into the one output buffer.
awaitable<void> record_channel::wait_writer() {
    while (writing_ || recovering_)
        co_await wait_event();
}

awaitable<void> record_channel::wait_room() {
    while (!log_->has_room())
        co_await wait_event();
}

// event_ never expires: it is cancelled to wake every waiter, who then looks again. A wait
// that was itself cancelled (a race lost) throws.
awaitable<void> record_channel::wait_event() {
    co_await event_.async_wait(as_tuple(use_awaitable));
    const auto state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none) {
        throw std::system_error(asio::error::operation_aborted);
    }
}

awaitable<byte_span> record_channel::receive() {
    // A side that only receives acknowledges every 1 MiB, and once a second when records trickle
    // in (a person deciding, a slow --limit-rate), so that the peer's stall watch hears it. Not
    // a side that is writing anyway (its ACKs ride along): a reader must never wait behind a
    // full send direction, or it would not see the link break.
    const bool idle_writer = clock::now() - last_write_ >= ack_interval;
    if (!writing_ && !recovering_ && (unacked_bytes_ >= ack_every || (ack_due() && idle_writer))) {
        co_await flush();
    }
    for (;;) {
        const auto payload = co_await read_record();
        if (!log_) co_return payload;
        if (took_ack(payload)) continue;
        if (!payload.empty() && payload[0] == resync_record) {
            throw wire_error("a RESYNC record outside a reconnect");
        }
        if (!payload.empty() && payload[0] == bye_record) {
            throw connection_closed("the other side ended the session");
        }
        ++received_;
        unacked_bytes_ += payload.size();
        deadline_.extend();
        co_return payload;
    }
}

bool record_channel::took_ack(byte_span payload) {
    if (payload.empty() || payload[0] != ack_record) return false;
    if (payload.size() != control_size) throw wire_error("an ACK record of the wrong size");
    log_->acknowledge(get_u64(payload.data() + 1));
    event_.cancel();
    return true;
}

// One record from the current link, opened; a broken link (with reconnect on) is reconnected
// and the record read from the new one, where the peer sends again what we did not get.
awaitable<byte_span> record_channel::read_record() {
    if (held_ && in_link_ == link_) {
        held_ = false;
        co_return held_payload_;
    }
    held_ = false;
    co_await read_into_in(false);
    heard_from_peer();
    if (!opener_) {
        if (in_.payload().size() > max_record_payload) throw wire_error("record over the limit");
        co_return in_.payload();
    }
    const auto payload = open_record();  // named: (docs/architecture.md, GCC 12 and co_await)
    co_return payload;
}

// Reads into in_ until its record's header (or the whole record) is there, going on with a
// record begun by an earlier, cancelled read on the same link; a broken link is reconnected
// first (with reconnect on) and the reading starts afresh on the new one.
awaitable<void> record_channel::read_into_in(bool header_only) {
    for (;;) {
        const auto link = link_;
        if (in_.complete() || in_link_ != link) in_.reset();
        in_link_ = link;
        std::optional<connection_closed> broken;
        try {
            // With reconnect on, only what the layer above gets counts as activity (receive()):
            // ACKs keep the link alive, not an idle transfer.
            co_await read_frame_part(*socket_, in_, log_ ? nullptr : &deadline_, header_only);
            co_return;
        } catch (const connection_closed& e) {
            if (!log_) throw;
            broken = e;
        } catch (const std::system_error& e) {
            if (!log_ || (link == link_ && !recovering_)) throw;
            broken = connection_closed("the connection closed", e.code());
        }
        co_await recover(*broken, link);
    }
}

byte_span record_channel::open_record() {
    const auto body = in_.mutable_payload();
    if (body.size() <= record_tag_size) throw integrity_error("an encrypted record is too short");
    const auto payload = body.first(body.size() - record_tag_size);
    opener_->open(in_.header(), payload, body.last<record_tag_size>());
    return payload;
}

// With reconnect on, a link that broke while we waited is reconnected here first: a receiver
// deciding on an offer must not miss a sender that reconnects meanwhile. The peer's ACKs are
// the channel's own business: read and taken here, they do not count as the peer speaking.
awaitable<void> record_channel::wait_readable() {
    for (;;) {
        if (held_ && in_link_ == link_) co_return;
        const auto link = link_;
        auto [ec] = co_await socket_->async_wait(tcp::socket::wait_read, as_tuple(use_awaitable));
        if (ec && (!log_ || (link == link_ && !recovering_))) throw std::system_error(ec);
        if (!log_) co_return;
        if (ec) {
            const connection_closed closed("the connection closed", ec);
            co_await recover(closed, link);
            continue;
        }
        std::uint8_t probe = 0;
        const auto n = ::recv(socket_->native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR))) {
            if (co_await skipped_ack()) continue;
            co_return;
        }
        const std::error_code cause =
            n == 0 ? std::error_code() : std::error_code(errno, std::system_category());
        const connection_closed closed("the connection closed", cause);
        co_await recover(closed, link);
    }
}

// The next record's header, and the record itself if it may be an ACK (by its size): an ACK is
// taken; anything else is held for receive(), opened, uncounted, so that a reconnect before
// receive() drops it and the peer sends it again.
awaitable<bool> record_channel::skipped_ack() {
    co_await read_into_in(true);
    if (in_.payload_size() != control_size + record_tag_size) co_return false;
    co_await read_into_in(false);  // after a reconnect: a whole record of any size
    heard_from_peer();
    const auto payload = open_record();
    if (took_ack(payload)) co_return true;
    held_payload_ = payload;
    held_ = true;
    co_return false;
}

}  // namespace ferry
