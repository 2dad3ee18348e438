// The pairing of a sender (ALLOCATE, REOPEN) with its receiver (CLAIM) by nameplate, and the
// pair that follows: its wait, its PAIRED, its pipe.
#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/net/deadline.hpp"
#include "common/net/race.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "common/wire/relay_frame.hpp"
#include "relay/connection.hpp"
#include "relay/pair_lease.hpp"
#include "relay/pipe.hpp"
#include "relay/server.hpp"

namespace ferry::relay {

using asio::experimental::as_tuple;
namespace rp = relay_proto;

// Frees a sender's nameplate exactly once: early when the wait fails (so that a late claim is
// refused at once instead of landing in a wait nobody reads), else when the pair ends. A
// receiver handed over meanwhile counts against the connection limits until then too.
struct server::nameplate_lease : pair_lease {
    std::uint32_t nameplate;
    bool held = true;
    nameplate_lease(server& owner, std::uint32_t n, connection& conn, waiting_sender& w)
        : pair_lease(owner, conn, w), nameplate(n) {}
    nameplate_lease(const nameplate_lease&) = delete;
    nameplate_lease& operator=(const nameplate_lease&) = delete;
    void release() {
        if (held) {
            s.table_.release(nameplate);
            if (s.cluster_) s.cluster_->release(cluster::nameplate_key(nameplate));
        }
        held = false;
    }
    ~nameplate_lease() { release(); }
};

// The limits a new sender must be within; false (and refused) if it is not.
awaitable<bool> server::admit_sender(connection& c) {
    if (stopping_) {
        metrics_.refused(limit::shutting_down);
        co_await refuse(c.socket, rp::error_code::shutting_down, "the relay is shutting down");
        co_return false;
    }
    if (sessions() >= limits_.max_sessions) {
        spdlog::warn("{}: refused: {} sessions in use", c.address, sessions());
        metrics_.refused(limit::sessions);
        co_await refuse(c.socket, rp::error_code::relay_full, "the relay is full; try again later");
        co_return false;
    }
    // A cluster counts the senders waiting from an address in Redis, as it allocates.
    if (!cluster_ && table_.waiting_from(c.ip) + reconnects_.waiting_from(c.ip) >=
                         limits_.max_waiting_per_address) {
        co_await refuse_too_many_waiting(c);
        co_return false;
    }
    co_return true;
}

awaitable<void> server::refuse_too_many_waiting(connection& c) {
    spdlog::warn("{}: refused: {} from this address already waiting", c.address,
                 plural(limits_.max_waiting_per_address, "sender"));
    metrics_.refused(limit::waiting_per_address);
    const auto text = fmt::format("{} from your address {} already waiting",
                                  plural(limits_.max_waiting_per_address, "transfer"),
                                  limits_.max_waiting_per_address == 1 ? "is" : "are");
    co_await refuse(c.socket, rp::error_code::too_many_waiting, text);
}

awaitable<std::uint32_t> server::allocate(connection& c, waiting_sender& waiting) {
    if (!cluster_) co_return table_.allocate(waiting, c.ip);
    const auto nameplate = co_await allocate_in_cluster(c);
    if (nameplate != 0) table_.insert(nameplate, waiting, c.ip);
    co_return nameplate;
}

awaitable<std::uint32_t> server::allocate(connection& c, share& host) {
    if (!cluster_) co_return table_.allocate(host, c.ip);
    const auto nameplate = co_await allocate_in_cluster(c);
    if (nameplate != 0) table_.insert(nameplate, host, c.ip);
    co_return nameplate;
}

awaitable<void> server::serve_sender(connection& c, const rp::frame& /*allocate*/) {
    if (!co_await admit_sender(c)) co_return;
    waiting_sender waiting(executor_);
    const auto nameplate = co_await allocate(c, waiting);
    if (nameplate == 0) co_return;
    co_await serve_waiting(c, nameplate, waiting);
}

awaitable<void> server::serve_reopen(connection& c, const rp::frame& f) {
    const auto nameplate = f.nameplate;
    if (!co_await admit_sender(c)) co_return;
    waiting_sender waiting(executor_);
    if (!co_await reopen(c, nameplate, waiting)) co_return;
    spdlog::info("{}: nameplate {} reopened for its sender", c.address, nameplate);
    co_await serve_waiting(c, nameplate, waiting);
}

// The nameplate held for this address since its pair ended (a pair whose sender's EOF is not
// here yet ends first, within the hello timeout), registered again in a cluster's Redis; false
// if refused (and told).
awaitable<bool> server::reopen(connection& c, std::uint32_t nameplate, waiting_sender& waiting) {
    auto status = table_.reopen(nameplate, waiting, c.ip);
    if (status == pairing_table::reopen_status::ending) {
        asio::steady_timer ended(executor_);
        ended.expires_after(limits_.hello_timeout);
        table_.watch(nameplate, ended);
        struct unwatch_at_end {
            pairing_table& table;
            std::uint32_t nameplate;
            ~unwatch_at_end() { table.unwatch(nameplate); }
        } unwatch{table_, nameplate};
        co_await ended.async_wait(as_tuple(use_awaitable));
        status = table_.reopen(nameplate, waiting, c.ip);
    }
    if (status == pairing_table::reopen_status::ok && cluster_) {
        std::optional<cluster::hold_result> held;
        try {
            const std::vector<std::string> keys{cluster::nameplate_key(nameplate)};
            auto got = co_await cluster_->hold(c.ip, keys, limits_.max_waiting_per_address);
            held = got;
        } catch (const std::exception&) {
            held.reset();
        }
        if (!held || held->status != cluster::hold_status::held) {
            table_.release(nameplate);
            status = pairing_table::reopen_status::taken;
        }
    }
    if (status == pairing_table::reopen_status::ok) co_return true;
    const bool gone = status == pairing_table::reopen_status::unknown;
    spdlog::info("{}: reopen of nameplate {} refused: {}", c.address, nameplate,
                 gone ? "not held" : "in use");
    const auto text = gone ? fmt::format("nameplate {} is no longer kept for you", nameplate)
                           : fmt::format("nameplate {} is in use", nameplate);
    const auto code = gone ? rp::error_code::unknown_nameplate : rp::error_code::nameplate_taken;
    co_await refuse(c.socket, code, text);
    co_return false;
}

awaitable<void> server::serve_waiting(connection& c, std::uint32_t nameplate,
                                      waiting_sender& waiting) {
    nameplate_lease lease(*this, nameplate, c, waiting);
    const auto started = clock::now();

    const rp::frame allocated{rp::frame_type::allocated, nameplate, {}, {}};
    // A sender gone already is seen by the wait: it ends at once.
    co_await send_frame(c.socket, allocated);
    spdlog::debug("{}: nameplate {} allocated", c.address, nameplate);
    if (!co_await wait_for_receiver(c, waiting, lease)) co_return;
    const pair_labels labels{fmt::format("nameplate={}", nameplate), c.address,
                             waiting.receiver_address, false};
    co_await own_pair(c, waiting, labels, started);
}

// Takes the other side's socket handed over in `waiting`: this frame owns both sockets until
// the pair ends, then closes them.
awaitable<void> server::own_pair(connection& c, waiting_sender& waiting, const pair_labels& labels,
                                 clock::time_point started) {
    tcp::socket peer = std::move(*waiting.receiver);
    c.peer = &peer;
    c.state = phase::piping;
    co_await run_pair(c, peer, labels, started);
    c.peer = nullptr;
    std::error_code ignored;
    peer.close(ignored);
    c.socket.close(ignored);
}

awaitable<void> server::wait_wake(asio::steady_timer& wake) {
    co_await wake.async_wait(as_tuple(use_awaitable));
}

// The sender sends nothing before PAIRED, so any byte or EOF while it waits means it is gone.
awaitable<void> server::wait_gone(tcp::socket& socket) {
    std::array<std::uint8_t, 1> probe{};
    co_await socket.async_read_some(asio::buffer(probe), as_tuple(use_awaitable));
}

// Waits for the other side's socket (hand_over), within the sender wait: 0 once woken (handed
// over, timed out, or the relay stopping), 1 when this side left. A socket handed over before
// the wait began (while ALLOCATED was being written, or while Redis was asked) is taken at once:
// re-arming the timer would lose that wake.
awaitable<std::size_t> server::wait_handed_over(connection& c, waiting_sender& waiting) {
    if (waiting.receiver) co_return 0;
    waiting.wake.expires_after(limits_.sender_wait);
    co_return co_await race(wait_wake(waiting.wake), wait_gone(c.socket));
}

// Waits for a receiver, the sender leaving, or the wait limit, whichever comes first; true
// once a receiver is handed over, else the ending is logged and told.
awaitable<bool> server::wait_for_receiver(connection& c, waiting_sender& waiting,
                                          nameplate_lease& lease) {
    const auto woke =
        co_await wait_handed_over(c, waiting);  // docs/architecture.md, GCC 12 and co_await
    c.waiting = nullptr;
    if (woke == 1 || !c.socket.is_open() || !waiting.receiver) lease.release();
    if (woke == 1 || !c.socket.is_open()) {
        spdlog::info("session nameplate={} sender={} outcome=sender-left-while-waiting",
                     lease.nameplate, c.address);
        co_await waiter_left(waiting, rp::error_code::unknown_nameplate,
                             "the sender left before the transfer started");
        co_return false;
    }
    if (waiting.receiver) co_return true;
    const bool shutting = waiting.shutting_down;
    spdlog::info("session nameplate={} sender={} outcome={}", lease.nameplate, c.address,
                 shutting ? "relay-stopping" : "no-receiver");
    metrics_.ended(shutting ? outcome::relay_stopping : outcome::no_receiver);
    const auto text =
        shutting ? std::string("the relay is shutting down")
                 : fmt::format("no receiver came within {}", format_duration(limits_.sender_wait));
    co_await refuse(c.socket,
                    shutting ? rp::error_code::shutting_down : rp::error_code::no_receiver, text);
    co_return false;
}

// The side waiting left: counted, and a socket handed over to it meanwhile is refused.
awaitable<void> server::waiter_left(waiting_sender& waiting, rp::error_code code,
                                    std::string_view text) {
    metrics_.ended(outcome::sender_left);
    if (waiting.receiver) co_await refuse(*waiting.receiver, code, text);
}

// PAIRED to the sender, then to the receiver; throws std::system_error if one has left.
awaitable<void> server::tell_paired(tcp::socket& sender, tcp::socket& receiver) {
    static const auto paired = rp::encode(rp::frame{rp::frame_type::paired, 0, {}, {}});
    co_await asio::async_write(sender, asio::buffer(paired), use_awaitable);
    co_await asio::async_write(receiver, asio::buffer(paired), use_awaitable);
}

awaitable<void> server::run_pair(connection& c, tcp::socket& receiver, const pair_labels& labels,
                                 clock::time_point started) {
    const auto& receiver_address = labels.receiver_address;
    bool told = false;
    try {
        told =
            co_await race(tell_paired(c.socket, receiver), sleep_for(limits_.hello_timeout)) == 0;
    } catch (const std::system_error&) {
        told = false;  // one of them left
    }
    if (!told) {
        spdlog::info("session {} sender={} receiver={} outcome=left-while-pairing", labels.session,
                     labels.sender_address, receiver_address);
        metrics_.ended(outcome::left_while_pairing);
        co_return;
    }
    const auto paired_at = clock::now();
    metrics_.paired(paired_at - started);
    pipe_result piped;
    c.piped = &piped;
    c.swapped = labels.swapped;
    co_await pipe(c.socket, receiver, piped, limits_.idle_timeout, limits_.buffer_size,
                  limits_.splice ? pipe_mode::automatic : pipe_mode::copy, limits_.half_close);
    c.piped = nullptr;
    const auto to_receiver = labels.swapped ? piped.b_to_a : piped.a_to_b;
    const bool cut = stopping_ && piped.outcome == pipe_outcome::reset;
    const bool early = piped.outcome == pipe_outcome::completed && relay::ended_early(to_receiver);
    const auto ended = cut                                           ? outcome::relay_stopped
                       : early                                       ? outcome::ended_early
                       : piped.outcome == pipe_outcome::completed    ? outcome::completed
                       : piped.outcome == pipe_outcome::idle_timeout ? outcome::idle_timeout
                                                                     : outcome::connection_lost;
    metrics_.pair_ended(to_receiver, labels.swapped ? piped.a_to_b : piped.b_to_a,
                        clock::now() - paired_at, ended);
    const auto* logged = cut ? "relay-stopped" : early ? "ended-early" : describe(piped.outcome);
    spdlog::info(
        "session {} sender={} receiver={} sender_to_receiver={} receiver_to_sender={} "
        "duration={} outcome={}",
        labels.session, labels.sender_address, receiver_address,
        labels.swapped ? piped.b_to_a : piped.a_to_b, labels.swapped ? piped.a_to_b : piped.b_to_a,
        format_duration(
            std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started)),
        logged);
}

// Within the failed-claims limit of the client's address (the cluster's, in a cluster); else
// refused. Also a claim of a nameplate that exists: see claim_limiter.
awaitable<bool> server::claims_allowed(connection& c) {
    clock::duration wait{};
    if (cluster_) {
        const auto per_minute = limits_.failed_claims_per_minute;
        double tokens = 0;
        std::string unavailable;
        try {
            tokens = co_await cluster_->take_claim(c.ip, per_minute);
        } catch (const redis_unavailable& e) {
            unavailable = e.what();
        }
        if (!unavailable.empty()) {
            co_await refuse_cluster_down(c, unavailable);
            co_return false;
        }
        if (tokens >= 1.0) co_return true;
        wait = std::chrono::duration_cast<clock::duration>(
            std::chrono::duration<double>((1.0 - tokens) * 60.0 / static_cast<double>(per_minute)));
    } else {
        if (claims_.allowed(c.ip)) co_return true;
        wait = claims_.retry_after(c.ip);
    }
    spdlog::debug("{}: claim refused: too many failed claims from this address", c.address);
    metrics_.refused(limit::failed_claims);
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(wait);
    const auto text = fmt::format("too many failed claims from your address; try again in {} s",
                                  std::max<std::int64_t>(seconds.count(), 1));
    co_await refuse(c.socket, rp::error_code::rate_limited, text);
    co_return false;
}

// How a claim ended, for the failed-claims budget: a failed one is charged (in a cluster, the
// token taken by claims_allowed() is kept), one that did not fail costs nothing.
void server::settle_claim(const connection& c, bool failed) {
    if (cluster_) {
        if (!failed) cluster_->give_back_claim(c.ip, limits_.failed_claims_per_minute);
    } else if (failed) {
        claims_.charge(c.ip);
    }
}

awaitable<void> server::serve_receiver(connection& c, const rp::frame& f) {
    const auto nameplate = f.nameplate;
    if (!co_await claims_allowed(c)) co_return;
    auto claimed = table_.claim(nameplate);
    // Not here: perhaps at another relay of the cluster (but a link's claim goes no further).
    if (claimed.status == pairing_table::claim_status::unknown && cluster_ && !c.via_link) {
        const auto owner = co_await remote_owner(c, cluster::nameplate_key(nameplate));
        if (!owner) co_return;
        if (!owner->empty()) {
            settle_claim(c, false);  // the owner's relay takes a token of its own
            const rp::frame claim{rp::frame_type::claim, nameplate, {}, {}};
            co_await forward(c, claim, *owner);
            co_return;
        }
        claimed = table_.claim(nameplate);
    }
    // A share's nameplate is claimed many times: only failed claims are charged.
    settle_claim(c, claimed.status != pairing_table::claim_status::ok &&
                        claimed.status != pairing_table::claim_status::share);
    if (claimed.status == pairing_table::claim_status::ok && cluster_)
        cluster_->paired(cluster::nameplate_key(nameplate));
    switch (claimed.status) {
        case pairing_table::claim_status::unknown:
            spdlog::info("{}: claim of unknown nameplate {}", c.address, nameplate);
            metrics_.ended(outcome::unknown_nameplate);
            {
                const auto text = fmt::format("no sender is waiting with nameplate {}", nameplate);
                co_await refuse(c.socket, rp::error_code::unknown_nameplate, text);
            }
            co_return;
        case pairing_table::claim_status::taken:
            spdlog::info("{}: claim of nameplate {} that is already paired", c.address, nameplate);
            metrics_.ended(outcome::nameplate_taken);
            {
                const auto text =
                    fmt::format("nameplate {} is already in use by another receiver", nameplate);
                co_await refuse(c.socket, rp::error_code::nameplate_taken, text);
            }
            co_return;
        case pairing_table::claim_status::share:
            co_await serve_share_receiver(c, nameplate, *claimed.host);
            co_return;
        case pairing_table::claim_status::ok:
            break;
    }
    hand_over(c, *claimed.sender);
}

// The client's socket goes to `to`, the coroutine waiting for it, which owns the pair from here
// on; it counts against the connection limits until that coroutine's pair_lease ends.
void server::hand_over(connection& c, waiting_sender& to) {
    to.receiver = std::move(c.socket);
    to.receiver_address = c.address;
    to.receiver_ip = c.ip;
    c.handed_over = true;
    ++paired_receivers_;
    wake_now(to.wake);
}

}  // namespace ferry::relay
