#include "sender/share_host.hpp"

#include <unistd.h>

#include <csignal>
#include <ctime>

#include <fmt/format.h>

#include "common/net/phases.hpp"
#include "common/net/race.hpp"
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
      signals_(io_, SIGINT, SIGTERM) {}

share_host::~share_host() = default;

void share_host::run() {
    std::exception_ptr error;
    asio::co_spawn(io_, main(), [&error](std::exception_ptr e) { error = std::move(e); });
    io_.run();
    if (error) std::rethrow_exception(error);
    if (!code_ && end_ == share_end::interrupted)
        throw failure(exit_code::interrupted, "interrupted");
    if (end_ == share_end::guessed) {
        throw failure(exit_code::wrong_code,
                      fmt::format("closed the share: {} wrong codes were tried (--max-failures "
                                  "{}); someone may be guessing it. Share again for a new code",
                                  wrong_codes_, opts_.max_failures));
    }
    if (end_ == share_end::relay) {
        throw failure(exit_code::network,
                      fmt::format("the relay ended the share: {}", relay_ended_));
    }
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
    std::error_code ignored;
    control_->close(ignored);  // the relay refuses new claims from now on
    co_await drain();
    if (!opts_.send.quiet) fmt::print("{}\n", summary());
}

// The control connection: SHARE, the code, w worked out once for every receiver.
awaitable<void> share_host::open() {
    auto socket = co_await connect_relay(opts_.send.relay, 10s);
    if (co_await race(allocate(socket), sleep_for(30s)) == 1) {
        throw failure(exit_code::network, fmt::format("the relay at {} did not answer in time",
                                                      opts_.send.relay.text()));
    }
    control_.emplace(std::move(socket));
    code_ = generate_code(nameplate_, opts_.send.code_words);
    password_ = std::make_unique<password_scalar>(*code_);
    print_code();
}

awaitable<void> share_host::allocate(tcp::socket& control) {
    nameplate_ = co_await open_share(control);
}

void share_host::print_code() const {
    const auto& c = *code_;
    if (opts_.send.quiet) {
        fmt::print("{}\n", c.text());
        std::fflush(stdout);
        return;
    }
    fmt::print("Sharing {}. Code: {}\n", describe_plan(plan_->offer), c.text());
    if (opts_.send.lan) {
        show_lan_hints(opts_.send, c);
    } else {
        fmt::print("Receivers run:  ferry receive --relay {} {}\n", opts_.send.relay.text(),
                   c.text());
    }
    fmt::print(
        "To see what is shared:  ferry receive {} --list; to take part of it, name the "
        "paths after the code. Ctrl-C stops sharing.\n",
        c.text());
    std::fflush(stdout);
}

awaitable<void> share_host::accept_receivers() {
    try {
        co_await race(
            [this]() -> awaitable<void> {
                for (;;) {
                    auto arrival = co_await next_arrival(*control_);  // named: the GCC 12 note
                    spawn(std::move(arrival));
                }
            }(),
            keep_share_alive(*control_));
    } catch (const std::exception& e) {
        relay_ended_ = e.what();
    }
    request_end(share_end::relay);
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

void share_host::spawn(share_arrival arrival) {
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
        if (signals_seen_ == 1) request_end(share_end::interrupted);
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
            say(
                fmt::format("no new receivers; {} running get {} to finish (Ctrl-C again: stop "
                            "now)",
                            plural(receivers_.size(), "download"), format_duration(opts_.grace)));
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
