#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/net/asio.hpp"
#include "common/wire/relay_frame.hpp"
#include "relay/pairing_table.hpp"

namespace ferry::relay {

using share_ticket = std::array<std::uint8_t, relay_proto::share_ticket_size>;

// 16 bytes from OpenSSL's RAND_bytes: a JOIN must not be able to guess another receiver's ticket.
share_ticket random_ticket();

class share;

// Why a share ended, as its log line says it.
enum class share_end { sender_left, idle, time_limit, relay_stopping, bad_frame };
std::string_view describe(share_end why);

// Wakes whoever waits on `t`, now or from the next wait on: its expiry moves to now (a cancel()
// would be lost if nobody waits yet).
inline void wake_now(asio::steady_timer& t) {
    t.expires_at(asio::steady_timer::clock_type::now());
}

// A receiver of a share waiting for the sender's data connection (JOIN). Lives in the receiver's
// coroutine frame and is registered in the share under a fresh ticket from construction until
// a JOIN takes it, the share ends (the share clears `host_`, marks it ended and wakes
// `waiting`), or it is destroyed (it leaves the share): the share never points at a guest gone.
class share_guest {
  public:
    share_guest(share& host, waiting_sender& waiting, const std::string& address);
    ~share_guest() { leave(); }
    share_guest(const share_guest&) = delete;
    share_guest& operator=(const share_guest&) = delete;

    // Out of the share: no JOIN finds it from now on.
    void leave();
    [[nodiscard]] const share_ticket& ticket() const { return ticket_; }
    [[nodiscard]] bool share_ended() const { return ended_; }

  private:
    friend class share;
    share* host_;
    waiting_sender& waiting_;
    share_ticket ticket_;
    std::string address_;
    bool ended_ = false;
};

// One sender's share: a nameplate claimed many times, each claim paired with a data connection
// of the sender's. Lives in the control connection's coroutine frame, the only writer of that
// socket: guests queue their ARRIVED here and `wake` it.
class share {
  public:
    struct arrival {
        share_ticket ticket;
        std::string address;
    };

    explicit share(asio::any_io_executor ex) : wake(std::move(ex)) {}
    ~share() { end(); }
    share(const share&) = delete;
    share& operator=(const share&) = delete;

    // The next ARRIVED to write, of a guest still waiting.
    std::optional<arrival> next_arrival();
    // The guest of `ticket`, taken out of the share (a ticket is single use), or null.
    waiting_sender* take(const share_ticket& ticket);
    // Refuses every guest still waiting (woken, share_ended()); guests that were taken by a
    // JOIN are independent from then on. Idempotent.
    void end();
    // The relay is stopping: the control coroutine ends the share when it wakes.
    void stop();
    // Wakes the control coroutine, whether or not it is waiting yet (wake_now).
    void notify() { wake_now(wake); }
    // A new control connection took over: every guest still waiting is announced on it again.
    void announce_again();

    [[nodiscard]] std::size_t waiting() const { return guests_.size(); }
    [[nodiscard]] bool stopping() const { return stopping_; }

    asio::steady_timer wake;
    std::size_t pairs = 0;  // JOINs that took a guest
    // A share opened with SHARE 0x01 (ferry 0.10) outlives its control connection for the
    // relay's share grace: its sender comes back with RESUME_SHARE and the token; the socket of
    // that connection waits in `resumed` for the control coroutine to take it.
    bool resumable = false;
    share_ticket token{};
    std::optional<tcp::socket> resumed;
    std::string resumed_address;
    bool ended_by_sender = false;  // END_SHARE: gone for good, not held for a comeback

  private:
    friend class share_guest;
    std::map<share_ticket, share_guest*> guests_;
    std::deque<arrival> arrivals_;
    bool stopping_ = false;
};

}  // namespace ferry::relay
