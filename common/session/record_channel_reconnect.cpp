#include "common/session/record_channel.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>
#include <openssl/crypto.h>

#include "common/net/dead_path.hpp"
#include "common/net/race.hpp"
#include "common/net/read_frame.hpp"
#include "common/net/relay_client.hpp"
#include "common/session/record_channel_stall.hpp"
#include "common/session/session.hpp"
#include "common/ui/units.hpp"
#include "common/wire/wire_error.hpp"

// The record channel's reconnect: a broken link is replaced by a new one through the relay, keyed
// afresh, and what the peer lacks is sent again (docs/protocol.md §2.3).
namespace ferry {

namespace {

using namespace std::chrono_literals;
using asio::experimental::as_tuple;

// Each step of a reconnect's handshake, once the relay has paired the two again.
constexpr auto handshake_timeout = 30s;
constexpr auto first_backoff = 250ms;
constexpr auto max_backoff = 5s;

std::size_t frame_size(std::size_t payload, bool sealed) {
    return record_format::header_size + payload + (sealed ? record_tag_size : 0);
}

}  // namespace

// The first operation to find the link broken reconnects; others wait for it. A link that was
// replaced since the operation started needs nothing. Giving up (time, or a relay that cannot
// reconnect) is final; a reconnect cancelled by the caller (a race lost) is tried again by the
// next operation, which finds the link closed.
awaitable<void> record_channel::recover(const connection_closed& cause, std::uint64_t link) {
    if (recovery_failed_) std::rethrow_exception(recovery_failed_);
    if (link != link_) co_return;
    if (recovering_) {
        while (recovering_)
            co_await wait_event();
        if (recovery_failed_) std::rethrow_exception(recovery_failed_);
        co_return;
    }
    recovering_ = true;
    std::exception_ptr failed;
    bool final = true;
    try {
        co_await reconnect(cause);
    } catch (const std::system_error& e) {
        failed = std::current_exception();
        final = e.code() != asio::error::operation_aborted;
    } catch (...) {
        failed = std::current_exception();
    }
    recovering_ = false;
    if (failed) watch_->forget();  // the try's socket, if any, is gone
    if (failed && final) recovery_failed_ = failed;
    event_.cancel();
    if (failed) std::rethrow_exception(failed);
}

awaitable<void> record_channel::reconnect(const connection_closed& cause) {
    std::error_code ignored;
    socket_->shutdown(tcp::socket::shutdown_both, ignored);
    socket_->close(ignored);  // the relay ends the old pair: the peer finds out too
    watch_->forget();
    ++link_;
    const bool stalled = std::exchange(watch_->stalled, false);
    if (!lost_since_) {
        lost_since_ = clock::now();
        const auto silent = std::chrono::duration<double>(plan_->stall_after).count();
        lost_cause_ = stalled           ? fmt::format("no answer for {:g} s", silent)
                      : cause.orderly() ? std::string("the connection closed")
                                        : cause.cause().message();
        if (plan_->on_lost) plan_->on_lost(lost_cause_);
    }
    const auto& cause_text = lost_cause_;
    const auto until = *lost_since_ + plan_->within;
    auto backoff = std::chrono::duration_cast<clock::duration>(first_backoff);
    std::string last = "no answer";
    for (;;) {
        const auto left = until - clock::now();
        if (left <= clock::duration::zero()) break;
        deadline_.extend();
        try {
            co_await attempt(std::min(left, deadline_.idle / 2));
            ++reconnections_;
            lost_since_.reset();
            deadline_.extend();
            if (plan_->on_back) plan_->on_back();
            co_return;
        } catch (const reconnect_unsupported&) {
            watch_->forget();
            throw cause;  // an older relay: the break is reported as it was
        } catch (const failure& f) {
            last = f.what();
        } catch (const connection_closed& e) {
            last = e.what();
        } catch (const wire_error& e) {
            last = e.what();
        } catch (const integrity_error& e) {
            last = e.what();
        }
        watch_->forget();  // that try's socket is closed
        const auto pause = std::min(backoff, until - clock::now());
        if (pause > clock::duration::zero()) co_await sleep_for(pause);
        backoff = std::min(2 * backoff, std::chrono::duration_cast<clock::duration>(max_backoff));
    }
    const auto within = std::chrono::duration_cast<std::chrono::milliseconds>(plan_->within);
    throw connection_closed(fmt::format("{}; reconnecting for {} did not work: {}", cause_text,
                                        format_duration(within), last),
                            cause.cause());
}

// One try: the relay pairs us with the peer again (by the rendezvous id), each side sends a
// fresh nonce, both derive new keys, and each side's first sealed record (RESYNC: the records
// it has received) proves it holds the session secret. Then what the peer lacks goes again.
awaitable<void> record_channel::attempt(clock::duration left) {
    auto fresh = co_await plan_->connect(secret_->id, left);
    // The stall watch covers the handshake and the replay too: a new link that takes writes
    // but never answers (a zero window) fails this try instead of holding it for ever.
    watch_->follow(fresh.native_handle());
    const auto mine = random_reconnect_nonce();
    pending_ = 0;
    // The new keys count only once the peer's RESYNC opened: an attempt that fails or is
    // cancelled half-way leaves the old ones (sealing for a closed link), never none.
    struct cipher_swap {
        record_channel& channel;
        std::unique_ptr<record_cipher> old_sealer;
        std::unique_ptr<record_cipher> old_opener;
        bool keep = false;
        ~cipher_swap() {
            if (keep) return;
            channel.sealer_ = std::move(old_sealer);
            channel.opener_ = std::move(old_opener);
        }
    } swap{*this, std::move(sealer_), std::move(opener_)};
    const auto theirs = co_await exchange_nonces(fresh, mine);
    take_reconnect_keys(mine, theirs);
    const auto peer_received = co_await resynchronise(fresh);
    swap.keep = true;
    log_->acknowledge(peer_received);
    co_await replay(fresh, peer_received);
    detect_dead_path(fresh);
    own_socket_.emplace(std::move(fresh));
    socket_ = &*own_socket_;
    watch_->follow(socket_->native_handle());
}

// The first record each way on a new link, the one plaintext record: this side's nonce goes out
// (the caller put the old keys aside), the peer's comes back.
awaitable<reconnect_nonce> record_channel::exchange_nonces(tcp::socket& fresh,
                                                           const reconnect_nonce& mine) {
    std::array<std::uint8_t, 1 + reconnect_nonce_size> hello{};
    hello[0] = reconnect_nonce_record;
    std::copy(mine.begin(), mine.end(), hello.begin() + 1);
    plaintext_nonce_ = true;
    seal_frame(hello);
    plaintext_nonce_ = false;
    co_await write_to(fresh);
    co_await read_handshake(fresh);
    const auto theirs_record = in_.payload();
    if (theirs_record.size() != hello.size() || theirs_record[0] != reconnect_nonce_record) {
        throw wire_error("the peer did not start the reconnect with a nonce");
    }
    reconnect_nonce theirs{};
    std::copy(theirs_record.begin() + 1, theirs_record.end(), theirs.begin());
    co_return theirs;
}

// The new link's keys, from the session secret and both nonces (the sender's first).
void record_channel::take_reconnect_keys(const reconnect_nonce& mine,
                                         const reconnect_nonce& theirs) {
    auto keys = plan_->as_sender ? derive_reconnect_keys(*secret_, mine, theirs)
                                 : derive_reconnect_keys(*secret_, theirs, mine);
    if (plan_->as_sender) {
        encrypt(keys.sender_to_receiver, keys.receiver_to_sender);
    } else {
        encrypt(keys.receiver_to_sender, keys.sender_to_receiver);
    }
    OPENSSL_cleanse(&keys, sizeof keys);
}

// Each side's first sealed record, RESYNC, says how many records it has received; the peer's
// opening proves it holds the session secret. Returns the peer's count.
awaitable<std::uint64_t> record_channel::resynchronise(tcp::socket& fresh) {
    seal_control(resync_record, received_);
    co_await write_to(fresh);
    co_await read_handshake(fresh);
    const auto resync = open_record();  // fails if the peer lacks the secret
    if (resync.size() != control_size || resync[0] != resync_record) {
        throw wire_error("the peer did not resynchronise after reconnecting");
    }
    const auto peer_received = get_u64(resync.data() + 1);
    co_return peer_received;
}

// A handshake record into in_; the caller opens it: nothing that may throw is evaluated in a
// co_await or co_return expression here (docs/architecture.md, GCC 12 and co_await).
awaitable<void> record_channel::read_handshake(tcp::socket& socket) {
    const auto timed_out =
        co_await race(read_frame(socket, in_, nullptr), sleep_for(handshake_timeout));
    if (timed_out == 1) throw connection_closed("the peer did not answer the reconnect in time");
}

awaitable<void> record_channel::write_to(tcp::socket& socket) {
    const auto length = pending_;
    pending_ = 0;
    auto [ec, n] = co_await asio::async_write(socket, asio::buffer(out_.data(), length),
                                              as_tuple(use_awaitable));
    if (ec) throw connection_closed("the new connection closed", ec);
}

// Every record from `from` on, sealed under the new keys, in writes of up to hold_limit.
awaitable<void> record_channel::replay(tcp::socket& socket, std::uint64_t from) {
    for (auto number = from; number < log_->sent(); ++number) {
        const auto record = log_->record(number);
        if (pending_ + frame_size(record.size(), true) > hold_limit && pending_ > 0) {
            co_await write_to(socket);
        }
        seal_frame(record);
    }
    if (pending_ > 0) co_await write_to(socket);
}

}  // namespace ferry
