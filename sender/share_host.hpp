#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/net/asio.hpp"
#include "common/net/relay_client.hpp"
#include "common/session/code.hpp"
#include "common/session/session.hpp"
#include "sender/share.hpp"
#include "sender/share_digests.hpp"
#include "sender/tree_plan.hpp"

namespace ferry::sender {

class share_receiver;

// Why a share takes no one new any more.
enum class share_end { none, interrupted, expired, served, guessed, relay };

// One `ferry share`: the control connection to the relay (a nameplate many receivers may claim),
// a share_receiver for each receiver the relay announces, and the end: what ends it, the grace
// its running downloads get, the summary. Everything runs on one io thread but the files'
// reading and hashing.
class share_host {
  public:
    share_host(const share_options& opts, std::shared_ptr<const tree_plan> plan);
    ~share_host();
    share_host(const share_host&) = delete;
    share_host& operator=(const share_host&) = delete;

    // Runs the share to its end; throws failure as share() says.
    void run();

    // For its receivers.
    [[nodiscard]] const share_options& options() const { return opts_; }
    [[nodiscard]] const std::shared_ptr<const tree_plan>& plan() const { return plan_; }
    [[nodiscard]] share_digests& digests() { return digests_; }
    [[nodiscard]] const password_scalar& password() const { return *password_; }
    [[nodiscard]] std::uint32_t nameplate() const { return nameplate_; }
    [[nodiscard]] bool accepting() const { return end_ == share_end::none; }
    [[nodiscard]] const bool& stopping_downloads() const { return stop_downloads_; }
    // A line of the share's log, "[12:01:07] ...", unless --quiet.
    void say(const std::string& line) const;
    // A receiver proved it has the code: its number, or 0 when it may take nothing more (the
    // share is ending, or has served --max-receivers).
    std::uint64_t admit(bool downloads);
    // A receiver's confirmation is about to be compared (session.hpp's guess_gate): false if the
    // share is closing or every try it has left is being compared; then settled once compared.
    bool take_guess();
    void settle_guess(bool matched, const std::string& address);
    // A receiver's key exchange is over (however it ended): its seat goes to a receiver queued.
    void exchange_over(const std::string& address);
    struct outcome {
        bool complete = false;
        double percent = 0;
    };
    void finished(const outcome& o);

  private:
    awaitable<void> main();
    awaitable<void> open();
    awaitable<void> allocate(tcp::socket& control);
    awaitable<void> take_receivers();
    awaitable<void> accept_receivers();
    awaitable<void> read_arrivals();
    awaitable<bool> reconnect(const std::string& cause);
    awaitable<void> resume_once();
    awaitable<void> say_goodbye();
    awaitable<void> announce();
    awaitable<void> wait_end();
    awaitable<void> watch_signals();
    awaitable<void> drain();
    void stop_all_now();
    void request_end(share_end why);
    void arrived(share_arrival arrival);
    void spawn(share_arrival arrival);
    [[nodiscard]] bool exchange_allowed(const std::string& address) const;
    void wrong_code(const std::string& address);
    void print_code() const;
    [[nodiscard]] std::string summary() const;

    asio::io_context io_{1};
    share_options opts_;
    std::shared_ptr<const tree_plan> plan_;
    share_digests digests_;
    std::optional<tcp::socket> control_;
    std::optional<share_ticket> token_;  // a resumable share's (a relay of ferry 0.10 or later)
    clock::time_point heard_{};          // the relay's last frame on the control connection
    std::optional<code> code_;
    std::unique_ptr<password_scalar> password_;
    std::uint32_t nameplate_ = 0;
    std::list<std::unique_ptr<share_receiver>> receivers_;
    asio::steady_timer wake_;  // cancelled when anything the end waits for happens
    asio::signal_set signals_;
    share_end end_ = share_end::none;
    std::string relay_ended_;  // why the share ended on the relay's side, the whole message
    int signals_seen_ = 0;
    int first_signal_ = 0;         // SIGINT, SIGTERM or SIGHUP: the share's end, the exit code
    bool stop_downloads_ = false;  // the grace is over: running downloads abort
    std::uint64_t admitted_ = 0;
    std::uint64_t downloads_ = 0;
    std::uint64_t complete_ = 0;
    std::uint64_t wrong_codes_ = 0;
    std::uint64_t guessing_ = 0;  // confirmations being compared: tries taken, not settled
    // Key exchanges running (ARRIVED to confirmation), in all and by receiver address, and the
    // receivers waiting for a seat: a guesser cannot hold more exchanges open than these.
    std::size_t exchanging_ = 0;
    std::map<std::string, std::size_t> exchanging_from_;
    std::deque<share_arrival> queued_;
    std::vector<double> stopped_at_;  // percent reached by each download that did not finish
};

}  // namespace ferry::sender
