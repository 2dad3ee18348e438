#include "sender/share_host.hpp"

#include <unistd.h>

#include <csignal>
#include <ctime>

#include <fmt/format.h>

#include "common/net/dead_path.hpp"
#include "common/net/phases.hpp"
#include "common/net/race.hpp"
#include "common/net/stop_signal.hpp"
#include "common/ui/command_hint.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "sender/lan_announcer.hpp"
#include "sender/rendezvous.hpp"
#include "sender/share_receiver.hpp"

namespace ferry::sender {

namespace {

using namespace std::chrono_literals;
using asio::experimental::as_tuple;

// After the grace, downloads stop at their next record with an ABORT; one that does not get
// there this soon (a receiver still deciding, a stalled connection) is closed.
constexpr auto abort_within = 3s;
// Key exchanges a share runs at once, in all and from one receiver address, and how many more
// receivers wait for a seat (beyond that they are turned away: the relay tells them in time).
constexpr std::size_t max_exchanges = 16;
constexpr std::size_t max_exchanges_per_address = 4;
constexpr std::size_t max_queued = 64;
// The control connection: a PING this often, and lost when the relay says nothing this long (a
// path that drops everything; the kernel's keepalive and user timeout, detect_dead_path, within
// the same time); a lost one is reconnected within the relay's grace (60 s).
constexpr auto ping_every = 20s;
constexpr auto relay_silence = 45s;
constexpr auto reconnect_within = 55s;
constexpr auto reconnect_pause = 2s;

std::string clock_text() {
    const auto now = std::time(nullptr);
    std::tm local{};
    ::localtime_r(&now, &local);
    char out[16];
    const auto n = std::strftime(out, sizeof out, "%H:%M:%S", &local);
    return std::string(out, n);
}

bool graceful(share_end why) {
    return why == share_end::interrupted || why == share_end::expired;
}

}  // namespace

share_host::share_host(const share_options& opts, std::shared_ptr<const tree_plan> plan)
    : opts_(opts),
      plan_(std::move(plan)),
      digests_(*plan_),
      wake_(io_),
      signals_(io_, SIGINT, SIGTERM, SIGHUP) {}

share_host::~share_host() = default;

void share_host::run() {
    std::exception_ptr error;
    asio::co_spawn(io_, main(), [&error](std::exception_ptr e) { error = std::move(e); });
    io_.run();
    if (error) std::rethrow_exception(error);
    if (!code_ && end_ == share_end::interrupted) {
        const auto s = describe_stop_signal(first_signal_);
        throw failure(s.code, std::string(s.here));
    }
    if (end_ == share_end::guessed) {
        throw failure(exit_code::wrong_code,
                      fmt::format("closed the share: {} wrong codes were tried (--max-failures "
                                  "{}); someone may be guessing it. Share again for a new code",
                                  wrong_codes_, opts_.max_failures));
    }
    if (end_ == share_end::relay) throw failure(exit_code::network, relay_ended_);
}

void share_host::say(const std::string& line) const {
    if (opts_.send.quiet) return;
    fmt::print("[{}] {}\n", clock_text(), line);
    std::fflush(stdout);
}

awaitable<void> share_host::main() {
    asio::co_spawn(io_, watch_signals(), asio::detached);
    // However main() ends, nothing is left waiting: io_.run() returns.
    struct end_signals {
        asio::signal_set& signals;
        ~end_signals() {
            std::error_code ignored;
            signals.cancel(ignored);
        }
    } ending{signals_};
    if (co_await race(open(), wait_end()) == 1) co_return;  // Ctrl-C while opening
    co_await race(take_receivers(), wait_end());
    co_await say_goodbye();  // the relay refuses new claims from now on
    co_await drain();
    if (!opts_.send.quiet) fmt::print("{}\n", summary());
}

// The control connection: SHARE, the code, w worked out once for every receiver.
awaitable<void> share_host::open() {
    auto socket = co_await connect_relay(opts_.send.relay, phases::connect_within);
    if (co_await race(allocate(socket), sleep_for(30s)) == 1) {
        throw failure(exit_code::network, fmt::format("the relay at {} did not answer in time",
                                                      opts_.send.relay.text()));
    }
    control_.emplace(std::move(socket));
    code_ = generate_code(nameplate_, opts_.send.code_words);
    password_ = std::make_unique<password_scalar>(*code_);
    print_code();
}

// A resumable share where the relay can keep one; on a relay of ferry 0.8/0.9, a plain one.
awaitable<void> share_host::allocate(tcp::socket& control) {
    try {
        const auto opened = co_await open_resumable_share(control);
        nameplate_ = opened.nameplate;
        token_ = opened.token;
        detect_dead_path(control, relay_silence);
        co_return;
    } catch (const share_not_resumable&) {
        // An older relay closes after its ERROR: ask again on a new connection.
    }
    if (!opts_.send.quiet) {
        fmt::print(stderr,
                   "ferry: the relay at {} is older than ferry 0.10: this share ends if its "
                   "connection to the relay is lost\n",
                   opts_.send.relay.text());
    }
    control = co_await connect_relay(opts_.send.relay, phases::connect_within);
    nameplate_ = co_await open_share(control);
    detect_dead_path(control, relay_silence);
}

// The end: the relay frees the nameplate now (END_SHARE) instead of keeping it for a comeback.
awaitable<void> share_host::say_goodbye() {
    try {
        if (token_) co_await race(end_share(*control_), sleep_for(1s));
    } catch (const std::exception&) {
        // The connection is gone already: the relay ends the share after its grace.
    }
    std::error_code ignored;
    control_->close(ignored);
}

void share_host::print_code() const {
    const auto& c = *code_;
    if (opts_.send.quiet) {
        fmt::print("{}\n", c.text());
        std::fflush(stdout);
        return;
    }
    const auto width = terminal_columns(stdout);
    fmt::print("{}", layout_code_line(fmt::format("Sharing {}.", describe_plan(plan_->offer)),
                                      c.text(), width));
    // The commands as a receiver pastes them: with this relay, or none in LAN mode.
    std::vector<std::string> receive{"ferry", "receive"};
    if (!opts_.send.lan) receive.insert(receive.end(), {"--relay", opts_.send.relay.text()});
    receive.push_back(c.text());
    if (opts_.send.lan) {
        show_lan_hints(opts_.send, c);
    } else {
        fmt::print("{}", layout_hint("Receivers run:", receive, width));
    }
    receive.emplace_back("--list");
    fmt::print("{}To take part of it, name the paths after the code. Ctrl-C stops sharing.\n",
               layout_hint("To see what is shared:", receive, width));
    std::fflush(stdout);
}

// Receivers from the control connection until it fails; then, for a resumable share, the same
// nameplate on a new one, else the end.
awaitable<void> share_host::accept_receivers() {
    for (;;) {
        std::string cause;
        heard_ = clock::now();
        try {
            co_await race(read_arrivals(),
                          watch_share_control(*control_, heard_, ping_every, relay_silence));
        } catch (const share_ended_by_relay& e) {
            cause = e.what();
        } catch (const std::exception& e) {
            cause = fmt::format("connection to the relay lost: {}", e.what());
        }
        if (!token_) {
            relay_ended_ = cause;
            break;
        }
        if (!co_await reconnect(cause)) break;
    }
    request_end(share_end::relay);
}

awaitable<void> share_host::read_arrivals() {
    for (;;) {
        // Named (docs/architecture.md, GCC 12 and co_await).
        auto arrival = co_await next_arrival(*control_, &heard_);
        arrived(std::move(arrival));
    }
}

// Tries RESUME_SHARE until the relay takes it back (true), says the share is gone, or does not
// answer within the relay's grace (false, relay_ended_ says why). Downloads running go on.
awaitable<bool> share_host::reconnect(const std::string& cause) {
    say(fmt::format("{}; reconnecting to keep the code", cause));
    const auto until = clock::now() + reconnect_within;
    std::string last;
    for (;;) {
        try {
            co_await resume_once();
            say(fmt::format("reconnected to the relay: the code {} still works", code_->text()));
            co_return true;
        } catch (const share_gone& e) {
            relay_ended_ = fmt::format(
                "{}; the relay no longer holds this share ({}): the code {} no longer works. "
                "Share again for a new code",
                cause, e.what(), code_->text());
            co_return false;
        } catch (const failure& e) {
            last = e.what();
        }
        if (clock::now() + reconnect_pause >= until) break;
        co_await sleep_for(reconnect_pause);
    }
    relay_ended_ = fmt::format(
        "{}; could not reconnect within {} ({}): the code {} no longer works. Share again for "
        "a new code",
        cause, format_duration(reconnect_within), last, code_->text());
    co_return false;
}

awaitable<void> share_host::resume_once() {
    auto socket = co_await connect_relay(opts_.send.relay, phases::connect_within);
    if (co_await race(resume_share(socket, nameplate_, *token_), sleep_for(10s)) == 1) {
        throw failure(exit_code::network, "the relay did not answer in time");
    }
    detect_dead_path(socket, relay_silence);
    control_.emplace(std::move(socket));
}

awaitable<void> share_host::take_receivers() {
    co_await race(accept_receivers(), announce());
}

awaitable<void> share_host::announce() {
    if (opts_.send.lan) {
        co_await announce_on_lan(nameplate_, opts_.send.lan_port);
    } else {
        co_await sleep_for(clock::duration::max() / 2);
    }
}

// A new receiver starts its key exchange now if the share has a seat for it, else waits for one.
void share_host::arrived(share_arrival arrival) {
    if (exchange_allowed(arrival.address)) {
        spawn(std::move(arrival));
        return;
    }
    if (queued_.size() >= max_queued) {
        say(fmt::format("a receiver ({}) turned away: {} key exchanges running, {} waiting",
                        arrival.address, exchanging_, queued_.size()));
        return;
    }
    say(fmt::format("a receiver ({}) waits for a seat: {} key exchanges running", arrival.address,
                    exchanging_));
    queued_.push_back(std::move(arrival));
}

bool share_host::exchange_allowed(const std::string& address) const {
    const auto from = exchanging_from_.find(address);
    return exchanging_ < max_exchanges &&
           (from == exchanging_from_.end() || from->second < max_exchanges_per_address);
}

void share_host::exchange_over(const std::string& address) {
    --exchanging_;
    if (const auto from = exchanging_from_.find(address); --from->second == 0)
        exchanging_from_.erase(from);
    if (!accepting()) {
        queued_.clear();
        return;
    }
    for (auto it = queued_.begin(); it != queued_.end() && exchanging_ < max_exchanges;) {
        if (!exchange_allowed(it->address)) {
            ++it;
            continue;
        }
        auto next = std::move(*it);
        it = queued_.erase(it);
        spawn(std::move(next));
    }
}

void share_host::spawn(share_arrival arrival) {
    ++exchanging_;
    ++exchanging_from_[arrival.address];
    auto& r = receivers_.emplace_back(
        std::make_unique<share_receiver>(io_.get_executor(), *this, std::move(arrival)));
    auto* raw = r.get();
    asio::co_spawn(io_, raw->run(), [this, raw](std::exception_ptr) {
        receivers_.remove_if([raw](const auto& p) { return p.get() == raw; });
        wake_.cancel();
    });
}

awaitable<void> share_host::wait_end() {
    const auto until =
        opts_.expire.count() > 0 ? clock::now() + opts_.expire : clock::time_point::max();
    while (end_ == share_end::none) {
        wake_.expires_at(until);
        const auto [ec] = co_await wake_.async_wait(as_tuple(use_awaitable));
        if (!ec) request_end(share_end::expired);
    }
}

awaitable<void> share_host::watch_signals() {
    for (;;) {
        const auto [ec, signal] = co_await signals_.async_wait(as_tuple(use_awaitable));
        if (ec) co_return;
        ++signals_seen_;
        if (signals_seen_ == 1) {
            first_signal_ = signal;
            request_end(share_end::interrupted);
        }
        wake_.cancel();
    }
}

void share_host::request_end(share_end why) {
    if (end_ != share_end::none) return;
    end_ = why;
    wake_.cancel();
}

// The downloads running at the end: they finish, within --grace after Ctrl-C or --expire (a
// second Ctrl-C: at once); then they stop with an ABORT, or are closed.
awaitable<void> share_host::drain() {
    std::optional<clock::time_point> grace_until;
    std::optional<clock::time_point> close_at;
    while (!receivers_.empty()) {
        const auto now = clock::now();
        if (!grace_until && (graceful(end_) || signals_seen_ > 0)) {
            grace_until = now + opts_.grace;
            const auto n = receivers_.size();
            say(fmt::format("no new receivers; {} {} {} to finish (Ctrl-C again: stop now)",
                            plural(n, "running download"), n == 1 ? "has" : "have",
                            format_duration(opts_.grace)));
        }
        if (signals_seen_ > 1) stop_all_now();
        if (grace_until && now >= *grace_until && !close_at) {
            stop_downloads_ = true;  // each stops at its next record with an ABORT
            close_at = now + abort_within;
        }
        auto until = close_at ? *close_at : grace_until.value_or(clock::time_point::max());
        if (close_at && now >= *close_at) {
            stop_all_now();
            until = clock::time_point::max();  // each receiver's end wakes this
        }
        wake_.expires_at(until);
        co_await wake_.async_wait(as_tuple(use_awaitable));
    }
}

void share_host::stop_all_now() {
    digests_.stop();  // a reader waiting for a digest gives up
    for (auto& r : receivers_)
        r->stop_now();
}

std::uint64_t share_host::admit(bool downloads) {
    if (!accepting()) return 0;
    if (downloads && opts_.max_receivers > 0 && downloads_ >= opts_.max_receivers) return 0;
    if (downloads && ++downloads_ == opts_.max_receivers) request_end(share_end::served);
    return ++admitted_;
}

bool share_host::take_guess() {
    // A try is taken before the comparison: confirmations that arrive together cannot all be
    // compared against the same tries left.
    if (!accepting() || wrong_codes_ + guessing_ > opts_.max_failures) return false;
    ++guessing_;
    return true;
}

void share_host::settle_guess(bool matched, const std::string& address) {
    --guessing_;
    if (!matched) wrong_code(address);
}

void share_host::wrong_code(const std::string& address) {
    ++wrong_codes_;
    if (wrong_codes_ > opts_.max_failures) {
        say(
            fmt::format("a wrong code was tried from {}: {} wrong codes, more than --max-failures "
                        "{}; closing the share",
                        address, wrong_codes_, opts_.max_failures));
        request_end(share_end::guessed);
        return;
    }
    say(fmt::format("a wrong code was tried from {} ({} of the {} tolerated)", address,
                    wrong_codes_, opts_.max_failures));
}

void share_host::finished(const outcome& o) {
    if (o.complete) {
        ++complete_;
    } else {
        stopped_at_.push_back(o.percent);
    }
}

std::string share_host::summary() const {
    const char* why = "";
    switch (end_) {
        case share_end::interrupted:
            why = "stopped";
            break;
        case share_end::expired:
            why = "expired";
            break;
        case share_end::served:
            why = "served --max-receivers";
            break;
        case share_end::guessed:
            why = "too many wrong codes";
            break;
        case share_end::relay:
        case share_end::none:
            why = "the relay ended it";
            break;
    }
    auto text = fmt::format("Stopped sharing ({}): {}, {} complete", why,
                            plural(downloads_, "receiver"), complete_);
    if (!stopped_at_.empty()) {
        std::string at;
        for (const auto p : stopped_at_)
            at += fmt::format("{}{:.0f} %", at.empty() ? "" : ", ", p);
        text += fmt::format(", {} stopped (at {})", stopped_at_.size(), at);
    }
    if (wrong_codes_ > 0) text += fmt::format(", {}", plural(wrong_codes_, "wrong code"));
    return text + ".";
}

void share(const share_options& opts) {
    auto plan = plan_tree(opts.send.paths);
    if (!opts.send.quiet) {
        for (const auto& notice : plan.notices)
            fmt::print(stderr, "ferry: {}\n", notice);
    }
    share_host host(opts, std::make_shared<const tree_plan>(std::move(plan)));
    host.run();
}

}  // namespace ferry::sender
