#include "sender/share_receiver.hpp"

#include <fmt/format.h>

#include "common/net/phases.hpp"
#include "common/net/race.hpp"
#include "common/session/session.hpp"
#include "common/transfer/hello.hpp"
#include "common/transfer/last_words.hpp"
#include "common/transfer/message_channel.hpp"
#include "common/transfer/tree_summary.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "common/wire/wire_error.hpp"
#include "sender/send_session.hpp"
#include "sender/session_setup.hpp"
#include "sender/share_host.hpp"
#include "sender/share_selection.hpp"
#include "sender/tree_source.hpp"

namespace ferry::sender {

namespace {

using namespace std::chrono_literals;

// Per receiver, kept small (a share has many): records read ahead twice, and what a reconnect
// can send again. A receiver acknowledges once it holds 1 MiB unacknowledged, and the replay
// ring needs a record's room (1 MiB) in one piece: with 1.25 MiB held, a 4 MiB ring still has
// such a gap, so the sender never waits for an acknowledgement that will not come (3 MiB did).
constexpr std::size_t share_batch_size = std::size_t{512} << 10U;
// A session that ends early tells its receiver (BYE) on the share's one thread: briefly, so
// that a receiver gone silent holds up the others for a moment only.
constexpr auto share_bye_within = std::chrono::milliseconds(200);
constexpr std::size_t share_replay_window = std::size_t{4} << 20U;

std::string wanted_text(const msg::want& w) {
    if (w.paths.empty()) return "taking everything";
    std::string out = "taking ";
    for (std::size_t i = 0; i < w.paths.size(); ++i) {
        if (i == 3) return out + fmt::format(" and {} more", w.paths.size() - 3);
        out += (i == 0 ? "" : ", ") + printable(w.paths[i]);
    }
    return out;
}

}  // namespace

share_receiver::share_receiver(asio::any_io_executor ex, share_host& host, share_arrival arrival)
    : host_(host), arrival_(std::move(arrival)), stop_(std::move(ex)) {}

share_receiver::~share_receiver() = default;

bool share_receiver::take() {
    return host_.take_guess();
}

void share_receiver::settle(bool matched) {
    host_.settle_guess(matched, arrival_.address);
}

void share_receiver::end_exchange() {
    if (!exchanging_) return;
    exchanging_ = false;
    host_.exchange_over(arrival_.address);
}

void share_receiver::stop_now() {
    stopped_ = true;
    stop_.cancel();
}

awaitable<void> share_receiver::wait_stop() {
    stop_.expires_at(clock::time_point::max());
    while (!stopped_)
        co_await stop_.async_wait(asio::experimental::as_tuple(use_awaitable));
}

std::string share_receiver::label() const {
    return number_ == 0 ? fmt::format("a receiver ({})", arrival_.address)
                        : fmt::format("receiver {}", number_);
}

// Whatever ended it, said once, and counted.
void share_receiver::report(const std::string& how) {
    if (!how.empty()) host_.say(fmt::format("{} {}", label(), how));
    if (!downloading_) return;
    share_host::outcome o;
    o.complete = complete_;
    const auto sent = session_ ? session_->sent() : 0;
    o.percent =
        total_ == 0 ? 100.0 : 100.0 * static_cast<double>(sent) / static_cast<double>(total_);
    host_.finished(o);
}

awaitable<void> share_receiver::run() {
    std::string how;
    try {
        const auto ended = co_await race(watched(), wait_stop());
        if (ended == 1) how = "stopped: the share ended";
    } catch (const guess_refused&) {
        how = "refused: the share takes no more guesses";
    } catch (const failure& f) {
        how = fmt::format("stopped: {}", f.what());
    } catch (const integrity_error& e) {
        how = fmt::format("stopped: integrity check failed: {}", e.what());
    } catch (const wire_error& e) {
        how = fmt::format("stopped: protocol error: {}", e.what());
    } catch (const connection_closed&) {
        how = "went away";
    } catch (const std::system_error& e) {
        how = fmt::format("stopped: network error: {}", e.code().message());
    }
    if (how.empty() && activity_.at <= clock::now()) {
        how = fmt::format(
            "stopped: nothing happened for {} during {}",
            format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(activity_.idle)),
            activity_.phase_name);
    }
    end_exchange();
    report(how);
}

awaitable<void> share_receiver::watched() {
    co_await race(converse(), watchdog(activity_));
}

// ARRIVED → JOIN on a connection of its own → the key exchange with the share's w → HELLO.
awaitable<void> share_receiver::converse() {
    activity_.enter(phases::relay_hello);
    const auto& relay = host_.options().send.relay;
    auto socket = co_await connect_relay(relay, phases::connect_within);
    co_await join_share(socket, host_.nameplate(), arrival_.ticket);
    activity_.enter(phases::key_exchange);
    std::unique_ptr<record_channel> channel;
    try {
        // Named (docs/architecture.md, GCC 12 and co_await).
        auto opened =
            co_await open_session(socket, activity_, session_role::sender, host_.password(), this);
        channel = std::move(opened);
    } catch (const failure& f) {
        // A wrong code was counted (and said) by settle(); the exchange ends here.
        if (f.code() != exit_code::wrong_code) throw;
    }
    end_exchange();
    if (!channel) co_return;
    auto opts = host_.options().send;
    opts.quiet = true;  // reconnects are the share log's to tell
    const auto peer = co_await transfer::exchange_hello(*channel, transfer::peer_role::receiver,
                                                        opts.reconnect_for.count() > 0);
    transfer::require(peer, transfer::feature::tree, transfer::peer_role::receiver);
    plan_reconnects(*channel, opts, peer, share_replay_window, share_bye_within);
    co_await transfer(*channel, peer);
}

// A receiver that speaks shares says what it wants; an older one takes everything.
awaitable<void> share_receiver::transfer(record_channel& channel, const msg::hello& peer) {
    msg::want w;
    if (transfer::has(peer, transfer::feature::share)) {
        const msg::message shared = msg::shared{};
        co_await send_message(channel, shared);
        // Named (docs/architecture.md, GCC 12 and co_await).
        auto asked = co_await read_want(channel);
        w = std::move(asked);
    }
    if (w.mode == msg::want_mode::list) {
        if (!co_await admitted(channel, false)) co_return;
        host_.say(fmt::format("{} connected ({}): listing the share", label(), arrival_.address));
        co_await list(channel);
        co_return;
    }
    co_await send(channel, peer, w);
}

// A number for the log, or an ABORT when the share takes no one new (it is ending, or has
// served --max-receivers).
awaitable<bool> share_receiver::admitted(record_channel& channel, bool downloads) {
    number_ = host_.admit(downloads);
    if (number_ != 0) co_return true;
    const msg::abort abort{msg::reason::cancelled, "the share has ended"};
    co_await transfer::last_words(channel, abort);
    co_return false;
}

awaitable<msg::want> share_receiver::read_want(record_channel& channel) {
    activity_.enter(phases::data);
    auto m = co_await receive_message(channel);
    if (const auto* a = std::get_if<msg::abort>(&m)) {
        throw transfer::peer_stopped("the receiver stopped", *a);
    }
    auto* w = std::get_if<msg::want>(&m);
    if (w == nullptr) throw wire_error("the receiver answered SHARED with something unexpected");
    co_return std::move(*w);
}

// Every ENTRY of the share, then LISTED; the receiver closes once it has them all.
awaitable<void> share_receiver::list(record_channel& channel) {
    const auto& entries = host_.plan()->entries;
    for (const auto& e : entries) {
        const auto payload =
            msg::encode(msg::entry{e.type, e.mode, e.mtime_ns, e.size, e.path, e.target});
        co_await channel.send_from(payload, true);
    }
    const msg::message end = msg::listed{static_cast<std::uint32_t>(entries.size())};
    co_await send_message(channel, end);
    channel.end_session();
    try {
        co_await race(channel.wait_readable(), sleep_for(10s));
    } catch (const connection_closed&) {
        // The receiver closed: it has the listing.
    }
}

awaitable<void> share_receiver::send(record_channel& channel, const msg::hello& peer,
                                     const msg::want& w) {
    std::shared_ptr<const tree_plan> selected;
    std::string refused;
    try {
        selected = select_from_share(host_.plan(), w.paths);
    } catch (const failure& f) {
        refused = f.what();
    }
    if (!selected) {
        host_.say(fmt::format("{} asked for what is not shared: {}", label(), refused));
        const msg::abort abort{msg::reason::not_shared, refused};
        co_await transfer::last_words(channel, abort);
        co_return;
    }
    if (!co_await admitted(channel, true)) co_return;
    host_.say(fmt::format("{} connected ({}): {} ({})", label(), arrival_.address, wanted_text(w),
                          describe_plan(selected->offer)));
    tree_source source(selected);
    source.take_digests_from(host_.digests());
    total_ = selected->offer.size;
    auto opts = host_.options().send;
    opts.quiet = true;  // the share's log speaks for it
    std::string peer_left;
    session_ = std::make_unique<send_session>(
        channel, source, opts, compression_for(opts, peer, source), activity_, peer_left);
    session_->share_mode(share_batch_size, host_.stopping_downloads(),
                         "the share ended before this download finished");
    downloading_ = true;
    co_await session_->run();
    complete_ = true;
    host_.say(
        fmt::format("{} done: {}, verified", label(), transfer::tree_totals(selected->offer)));
}

}  // namespace ferry::sender
