// Shares (docs/protocol.md): a share's control connection (SHARE, RESUME_SHARE), its receivers
// waiting for their JOIN, and the JOIN that pairs each of them with a data connection.
#include <openssl/crypto.h>

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/net/deadline.hpp"
#include "common/net/race.hpp"
#include "common/net/read_frame.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "common/wire/relay_frame.hpp"
#include "relay/connection.hpp"
#include "relay/pair_lease.hpp"
#include "relay/server.hpp"

namespace ferry::relay {

namespace rp = relay_proto;

// Ends a share exactly once, however its control coroutine ends: the nameplate is quarantined
// (a later claim is refused at once, and no one else gets it for a while) and every receiver
// still waiting for its JOIN is refused; the pairs already made run on, independent of the share.
struct server::share_lease {
    server& s;
    std::uint32_t nameplate;
    connection& c;
    share& hosted;
    bool held = true;
    void release() {
        if (held) {
            s.table_.quarantine(nameplate, clock::now() + s.limits_.share_quarantine);
            if (s.cluster_) s.cluster_->release(cluster::nameplate_key(nameplate));
            hosted.end();
        }
        held = false;
    }
    ~share_lease() {
        c.hosted = nullptr;
        release();
    }
};

// SHARE: the connection stays open as the share's control connection until the share ends; a
// resumable one (SHARE 0x01) is held for the share grace when that connection drops, and goes on
// with the connection of a RESUME_SHARE that brings its token.
awaitable<void> server::serve_share(connection& c, const rp::frame& f) {
    if (!co_await admit_sender(c)) co_return;
    share hosted(executor_);
    const auto nameplate = co_await allocate(c, hosted);
    if (nameplate == 0) co_return;
    c.state = phase::waiting;
    c.hosted = &hosted;
    share_lease lease{*this, nameplate, c, hosted};
    hosted.resumable = f.resumable;
    if (hosted.resumable) hosted.token = random_ticket();

    co_await send_opened(c, nameplate, hosted);
    spdlog::info("share nameplate={} sender={} opened", nameplate, c.address);
    metrics_.share_opened();
    share_end why{};
    const auto ends_at = clock::now() + limits_.max_share_time;
    for (;;) {
        const auto ended = co_await run_share(c, hosted, ends_at);
        if (ended) {
            why = *ended;
            const bool lost = why == share_end::sender_left || why == share_end::idle;
            if (!hosted.resumable || hosted.ended_by_sender || !lost) break;
            if (!co_await wait_resume(c, hosted, nameplate)) break;
        }
        take_resumed(c, hosted, nameplate);
        // The new connection gone too: run_share() sees it and the grace starts again.
        co_await send_opened(c, nameplate, hosted);
    }
    lease.release();
    metrics_.share_closed(why);
    spdlog::info("share nameplate={} sender={} closed pairs={} outcome={}", nameplate, c.address,
                 hosted.pairs, describe(why));
    co_await close_share(c, why);
}

// ALLOCATED for a share of ferry 0.8/0.9, SHARE_OPENED (with the token) for a resumable one. A
// connection gone already is left to run_share(), which sees it.
awaitable<void> server::send_opened(connection& c, std::uint32_t nameplate, const share& hosted) {
    rp::frame opened{hosted.resumable ? rp::frame_type::share_opened : rp::frame_type::allocated,
                     nameplate,
                     {},
                     {}};
    opened.ticket = hosted.token;
    co_await send_frame(c.socket, opened);
}

// The share's control connection dropped: its nameplate and waiting receivers are kept for the
// share grace; true once a RESUME_SHARE's connection is there to take over.
awaitable<bool> server::wait_resume(connection& c, share& hosted, std::uint32_t nameplate) {
    std::error_code ignored;
    c.socket.close(ignored);
    spdlog::info("share nameplate={} sender={} lost its control connection; held {} for it",
                 nameplate, c.address, format_duration(limits_.share_grace));
    const auto until = clock::now() + limits_.share_grace;
    for (;;) {
        hosted.wake.expires_at(until);  // armed before the checks, as in run_share()
        if (hosted.resumed) co_return true;
        if (hosted.stopping() || clock::now() >= until) co_return false;
        co_await wait_wake(hosted.wake);
    }
}

// The RESUME_SHARE's connection becomes the control connection (the old one, if the relay still
// had it open, is closed) and hears of every receiver still waiting.
void server::take_resumed(connection& c, share& hosted, std::uint32_t nameplate) {
    std::error_code ignored;
    c.socket.close(ignored);
    c.socket = std::move(*hosted.resumed);
    hosted.resumed.reset();
    spdlog::info("share nameplate={} sender={} resumed from {}", nameplate, c.address,
                 hosted.resumed_address);
    hosted.announce_again();
}

// RESUME_SHARE: a share's sender back on a new connection, proven by the share's token; the
// socket goes to the share's control coroutine, which answers SHARE_OPENED.
awaitable<void> server::serve_resume_share(connection& c, const rp::frame& f) {
    if (stopping_) {
        co_await refuse(c.socket, rp::error_code::shutting_down, "the relay is shutting down");
        co_return;
    }
    auto* host = table_.find_share(f.nameplate);
    if (host == nullptr || !host->resumable ||
        CRYPTO_memcmp(host->token.data(), f.ticket.data(), f.ticket.size()) != 0) {
        spdlog::info("{}: resume of share {} refused: no such share here", c.address, f.nameplate);
        co_await refuse(c.socket, rp::error_code::share_ended,
                        "the relay holds no such share (it ended, or the relay restarted)");
        co_return;
    }
    std::error_code ignored;
    if (host->resumed) host->resumed->close(ignored);  // an older try of the same sender
    host->resumed.emplace(std::move(c.socket));
    host->resumed_address = c.address;
    host->notify();
}

// The control connection: ARRIVED frames out, PINGs in (each answered with a PONG), until the
// sender leaves (END_SHARE, or the connection closes), goes quiet or sends anything else, the
// share's time is up, the relay stops, or a RESUME_SHARE takes over (nullopt). This coroutine is
// the socket's only writer.
awaitable<std::optional<share_end>> server::run_share(connection& c, share& hosted,
                                                      clock::time_point ends_at) {
    static const rp::frame pong{rp::frame_type::pong, 0, {}, "ferry-relay " FERRY_VERSION};
    frame_reader<rp::format> reader(rp::max_payload);
    auto quiet_at = clock::now() + limits_.share_idle;
    auto why = share_end::sender_left;
    try {
        for (;;) {
            // Armed before the checks: a notify() from here on ends the wait below at once.
            hosted.wake.expires_at(std::min(ends_at, quiet_at));
            if (hosted.stopping()) co_return share_end::relay_stopping;
            if (hosted.resumed) co_return std::nullopt;
            if (!co_await write_arrivals(c, hosted)) co_return share_end::idle;
            if (co_await race(read_frame_part(c.socket, reader, nullptr, false),
                              wait_wake(hosted.wake)) == 0) {
                const auto type = rp::decode(reader.header(), reader.payload()).type;
                if (type == rp::frame_type::end_share) {
                    hosted.ended_by_sender = true;
                    co_return share_end::sender_left;
                }
                if (type != rp::frame_type::ping) co_return share_end::bad_frame;
                reader.reset();
                quiet_at = clock::now() + limits_.share_idle;
                if (!co_await write_control(c, pong)) co_return share_end::idle;
            }
            if (clock::now() >= ends_at) co_return share_end::time_limit;
            if (clock::now() >= quiet_at) co_return share_end::idle;
        }
    } catch (const wire_error&) {
        why = share_end::bad_frame;
    } catch (const std::exception&) {
        // EOF or a reset; or the socket closed by stop_now().
        why = hosted.stopping() ? share_end::relay_stopping : share_end::sender_left;
    }
    co_return why;
}

// One frame to the share's sender; false if it does not take it within the idle limit. Throws
// connection_closed if the write failed, as the next read would.
awaitable<bool> server::write_control(connection& c, const rp::frame& f) {
    bool sent = false;
    auto send = [&]() -> awaitable<void> { sent = co_await send_frame(c.socket, f); };
    if (co_await race(send(), sleep_for(limits_.share_idle)) == 1) co_return false;
    if (!sent) throw connection_closed("the share's control connection failed");
    co_return true;
}

// The queued ARRIVED frames of receivers still waiting.
awaitable<bool> server::write_arrivals(connection& c, share& hosted) {
    while (auto next = hosted.next_arrival()) {
        rp::frame arrived{rp::frame_type::arrived, 0, {}, next->address};
        arrived.ticket = next->ticket;
        if (!co_await write_control(c, arrived)) co_return false;
    }
    co_return true;
}

// Tells the share's sender why its share ended (if it is still there to hear it), closes.
awaitable<void> server::close_share(connection& c, share_end why) {
    switch (why) {
        case share_end::sender_left:
            break;
        case share_end::idle:
            co_await refuse(c.socket, rp::error_code::hello_timeout,
                            "the share's sender went quiet");
            break;
        case share_end::time_limit: {
            const auto text = fmt::format("the share reached the relay's time limit of {}",
                                          format_duration(limits_.max_share_time));
            co_await refuse(c.socket, rp::error_code::no_receiver, text);
        } break;
        case share_end::relay_stopping:
            co_await refuse(c.socket, rp::error_code::shutting_down, "the relay is shutting down");
            break;
        case share_end::bad_frame:
            co_await refuse(c.socket, rp::error_code::bad_hello,
                            "a share's control connection may only send PING or END_SHARE");
            break;
    }
    std::error_code ignored;
    c.socket.close(ignored);
}

// A share's receiver holds a session until its pair ends, and the JOIN connection handed over
// to it counts against the connection limits until then too.
struct server::share_seat : pair_lease {
    share_seat(server& owner, connection& conn, waiting_sender& w) : pair_lease(owner, conn, w) {
        ++s.share_sessions_;
    }
    share_seat(const share_seat&) = delete;
    share_seat& operator=(const share_seat&) = delete;
    ~share_seat() { --s.share_sessions_; }
};

// A claim of a share's nameplate: within the share's limits the receiver gets a ticket, the
// sender hears of it (ARRIVED) and has the hello timeout to JOIN for it; this frame then owns
// the pair. `host` is not used once this waits: the share may end meanwhile.
awaitable<void> server::serve_share_receiver(connection& c, std::uint32_t nameplate, share& host) {
    if (host.waiting() >= limits_.max_share_waiting) {
        spdlog::info("{}: claim of share {} refused: {} waiting", c.address, nameplate,
                     plural(host.waiting(), "receiver"));
        metrics_.refused(limit::share_waiting);
        co_await refuse(c.socket, rp::error_code::share_busy,
                        "the share has too many receivers waiting; try again in a moment");
        co_return;
    }
    if (sessions() >= limits_.max_sessions) {
        spdlog::warn("{}: refused: {} sessions in use", c.address, sessions());
        metrics_.refused(limit::sessions);
        co_await refuse(c.socket, rp::error_code::relay_full, "the relay is full; try again later");
        co_return;
    }
    c.kind = role::share_receiver;
    waiting_sender waiting(executor_);
    waiting.wake.expires_after(limits_.hello_timeout);  // armed first: an early wake is kept
    share_seat seat(*this, c, waiting);
    share_guest guest(host, waiting, c.ip.to_string());
    const auto started = clock::now();
    if (!co_await wait_for_join(c, waiting, guest)) co_return;
    // This frame's own socket is the receiver's: swapped.
    const pair_labels labels{fmt::format("share={}", nameplate), waiting.receiver_address,
                             c.address, true};
    co_await own_pair(c, waiting, labels, started);
}

// Waits for the sender's JOIN, the receiver leaving, the hello timeout, the share ending or the
// relay stopping; true once the JOIN's socket is handed over, else the ending is told.
awaitable<bool> server::wait_for_join(connection& c, waiting_sender& waiting, share_guest& guest) {
    const auto woke = co_await race(wait_wake(waiting.wake), wait_gone(c.socket));
    c.waiting = nullptr;
    guest.leave();
    if (woke == 1 || !c.socket.is_open()) {
        spdlog::debug("{}: a receiver of a share left before its JOIN", c.address);
        co_await waiter_left(waiting, rp::error_code::share_ended,
                             "the receiver left before its transfer started");
        co_return false;
    }
    if (waiting.receiver) co_return true;
    metrics_.ended(waiting.shutting_down ? outcome::relay_stopping
                   : guest.share_ended() ? outcome::share_ended
                                         : outcome::not_joined);
    const auto code = waiting.shutting_down ? rp::error_code::shutting_down
                      : guest.share_ended() ? rp::error_code::share_ended
                                            : rp::error_code::no_receiver;
    const auto text = waiting.shutting_down ? "the relay is shutting down"
                      : guest.share_ended() ? "the share has ended"
                                            : "the sender did not take this receiver in time";
    co_await refuse(c.socket, code, text);
    co_return false;
}

// JOIN: the sender's data connection for the receiver of a ticket, handed to that receiver's
// coroutine, which owns the pair from here on. A ticket is single use.
awaitable<void> server::serve_join(connection& c, const rp::frame& f) {
    if (table_.find_share(f.nameplate) == nullptr && cluster_ && !c.via_link) {
        const auto owner = co_await remote_owner(c, cluster::nameplate_key(f.nameplate));
        if (!owner) co_return;
        if (!owner->empty()) {
            co_await forward(c, f, *owner);
            co_return;
        }
    }
    auto* host = table_.find_share(f.nameplate);
    auto* guest = host != nullptr ? host->take(f.ticket) : nullptr;
    if (guest == nullptr) {
        spdlog::info("{}: join of share {} with no receiver behind its ticket", c.address,
                     f.nameplate);
        metrics_.ended(outcome::unknown_ticket);
        co_await refuse(c.socket, rp::error_code::share_ended,
                        "no receiver is waiting with this ticket");
        co_return;
    }
    metrics_.share_joined();
    ++host->pairs;
    hand_over(c, *guest);
}

}  // namespace ferry::relay
