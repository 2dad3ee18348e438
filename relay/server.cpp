#include "relay/server.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/net/address.hpp"
#include "common/net/dead_path.hpp"
#include "common/net/deadline.hpp"
#include "common/net/race.hpp"
#include "common/net/read_frame.hpp"
#include "common/net/relay_client.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "common/wire/relay_frame.hpp"
#include "relay/connection.hpp"
#include "relay/pipe.hpp"
#include "relay/proxy_header.hpp"

namespace ferry::relay {

using asio::experimental::as_tuple;
namespace rp = relay_proto;

std::string endpoint_text(const tcp::endpoint& ep) {
    const auto addr = ep.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
        return fmt::format("{}:{}",
                           asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6()).to_string(),
                           ep.port());
    }
    return addr.is_v6() ? fmt::format("[{}]:{}", addr.to_string(), ep.port())
                        : fmt::format("{}:{}", addr.to_string(), ep.port());
}

asio::ip::address client_ip(const tcp::endpoint& ep) {
    const auto addr = ep.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped())
        return asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
    return addr;
}

awaitable<void> send_frame(tcp::socket& socket, const rp::frame& f) {
    const auto bytes = rp::encode(f);
    co_await asio::async_write(socket, asio::buffer(bytes), as_tuple(use_awaitable));
}

awaitable<void> refuse(tcp::socket& socket, rp::error_code code, std::string_view text) {
    const rp::frame error{rp::frame_type::error, 0, code, std::string(text)};
    try {
        co_await race(send_frame(socket, error), sleep_for(std::chrono::seconds(1)));
    } catch (const std::exception&) {
        // The client is gone already; closing is all that is left.
    }
    std::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

namespace {

void raise_file_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

}  // namespace

server::server(asio::any_io_executor ex, const tcp::endpoint& listen, const limits& l)
    : executor_(ex),
      acceptor_(ex),
      limits_(l),
      table_(l.first_nameplate_range, l.reopen_hold),
      claims_(l.failed_claims_per_minute),
      hello_log_(ex, "bad hellos", spdlog::level::info, l.log_interval),
      refusal_log_(ex, "refused connections", spdlog::level::warn, l.log_interval),
      grace_timer_(ex) {
    raise_file_limit();
    // Compared with client_ip() of each connection: the same form (::ffff:a.b.c.d is a.b.c.d).
    for (auto& proxy : limits_.proxy_from)
        proxy = client_ip(tcp::endpoint(proxy, 0));
    // splice(2) into a socket whose peer is gone raises SIGPIPE (it has no MSG_NOSIGNAL): that
    // must be an EPIPE for one pair, not the end of the relay (or of a sender hosting one).
    std::signal(SIGPIPE, SIG_IGN);
    acceptor_.open(listen.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    if (listen.address().is_v6() && listen.address().is_unspecified()) {
        std::error_code ignored;  // dual-stack where the system allows it
        acceptor_.set_option(asio::ip::v6_only(false), ignored);
    }
    acceptor_.bind(listen);
    acceptor_.listen(asio::socket_base::max_listen_connections);
}

void server::start() {
    asio::co_spawn(executor_, accept_loop(), asio::detached);
    if (cluster_) {
        // Two relays believing they hold one nameplate: only after Redis lost its data and the
        // lease went to another relay meanwhile. Claims that reach this relay still find its
        // sender first.
        cluster_->start([](const std::string& key) {
            spdlog::warn("cluster: lost the lease of {} to another relay", key);
        });
        asio::co_spawn(executor_, link_accept_loop(), asio::detached);
    }
}

void server::stop() {
    if (stopping_) return;
    stopping_ = true;
    std::error_code ignored;
    acceptor_.close(ignored);
    if (link_acceptor_) link_acceptor_->close(ignored);
    for (auto* link : links_pending_)
        link->close(ignored);
    std::size_t piping = 0;
    for (auto* c : connections_) {
        if (c->hosted != nullptr) {
            c->hosted->stop();
        } else if (c->state == phase::waiting && c->waiting != nullptr) {
            c->waiting->shutting_down = true;
            c->waiting->wake.cancel();
        } else if (c->state == phase::hello) {
            c->socket.close(ignored);
        } else {
            ++piping;
        }
    }
    spdlog::info("stopping: no new connections; {} running transfer(s) get {} to finish", piping,
                 format_duration(limits_.grace));
    grace_timer_.expires_after(limits_.grace);
    grace_timer_.async_wait([this](std::error_code ec) {
        if (!ec) stop_now();
    });
    check_stopped();
}

void server::note_refused_connection(const std::string& address, bool per_address) {
    metrics_.refused(per_address ? limit::connections_per_address : limit::connections);
    const std::string_view limit = per_address ? "per-address" : "total";
    refusal_log_.note(fmt::format("over the {} limit", limit), address,
                      fmt::format("{}: refused: over the {} connection limit", address, limit));
}

void server::check_stopped() {
    if (!stopping_ || !connections_.empty()) return;
    grace_timer_.cancel();
    hello_log_.drain();
    refusal_log_.drain();
    if (metrics_endpoint_) metrics_endpoint_->stop();
    if (cluster_) cluster_->stop();  // every lease is released by now
    if (auto f = std::move(on_stopped_)) {
        on_stopped_ = nullptr;
        f();
    }
}

void server::stop_now() {
    stopping_ = true;
    std::error_code ignored;
    acceptor_.close(ignored);
    if (link_acceptor_) link_acceptor_->close(ignored);
    for (auto* link : links_pending_)
        link->close(ignored);
    grace_timer_.cancel();
    for (auto* c : connections_) {
        c->socket.close(ignored);
        if (c->peer != nullptr) c->peer->close(ignored);
        if (c->hosted != nullptr) c->hosted->stop();
        if (c->waiting != nullptr) {
            c->waiting->shutting_down = true;
            c->waiting->wake.cancel();
        }
    }
    check_stopped();
}

awaitable<void> server::accept_loop() {
    spdlog::info("ferry relay {} listening on {}", FERRY_VERSION,
                 endpoint_text(acceptor_.local_endpoint()));
    asio::steady_timer backoff(executor_);
    while (!stopping_) {
        auto [ec, socket] = co_await acceptor_.async_accept(as_tuple(use_awaitable));
        if (stopping_) break;
        if (ec) {
            // EMFILE and friends: keep serving; try again shortly instead of spinning.
            spdlog::warn("accept failed: {}", ec.message());
            backoff.expires_after(std::chrono::milliseconds(100));
            co_await backoff.async_wait(as_tuple(use_awaitable));
            continue;
        }
        metrics_.accepted();
        detect_dead_path(socket);  // a client whose path died is not held until the idle limit
        std::error_code remote_ec;
        const auto remote = socket.remote_endpoint(remote_ec);
        if (remote_ec) continue;
        const auto ip = client_ip(remote);
        const auto from_ip = connections_per_address_.find(ip);
        // Behind a proxy every connection comes from the proxy: the real address is known only
        // after the PROXY header, and handle() applies the per-address cap then.
        const bool too_many_from_ip = !limits_.proxy_protocol &&
                                      from_ip != connections_per_address_.end() &&
                                      from_ip->second >= limits_.max_connections_per_address;
        if (connections() >= limits_.max_connections || too_many_from_ip) {
            // Over a limit: a best-effort error without waiting on the client, then close.
            std::error_code ignored;
            const auto bytes = rp::encode(rp::frame{
                rp::frame_type::error, 0, rp::error_code::relay_full,
                too_many_from_ip ? "too many connections from your address; try again later"
                                 : "the relay has too many connections; try again later"});
            socket.non_blocking(true, ignored);
            socket.write_some(asio::buffer(bytes), ignored);
            socket.close(ignored);
            note_refused_connection(endpoint_text(remote), too_many_from_ip);
            continue;
        }
        asio::co_spawn(executor_, handle(std::move(socket)), asio::detached);
    }
}

awaitable<void> server::handle(tcp::socket socket) {
    std::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (ec) co_return;
    socket.set_option(tcp::no_delay(true), ec);
    connection c{std::move(socket), endpoint_text(remote), client_ip(remote)};
    co_await serve(c, nullptr);
}

// A client's connection from its first byte to its end, registered meanwhile; `link`: the hello
// that came over a link from another relay instead of from the socket.
awaitable<void> server::serve(connection& c, const link_hello* link) {
    connections_.insert(&c);
    bool counted = false;
    std::string bad_hello;
    frame_reader<rp::format> reader(rp::max_payload);
    try {
        if (link == nullptr && limits_.proxy_protocol) co_await read_proxy_protocol(c);
        ++connections_per_address_[c.ip];
        counted = true;
        if (link == nullptr) {
            co_await serve_hello(c, reader);
        } else {
            const auto header = byte_span(link->hello).first(rp::header_size);
            if (rp::payload_size(header, rp::max_payload) != link->hello.size() - rp::header_size)
                throw wire_error("a link's hello is one whole relay frame");
            const auto f = rp::decode(header, byte_span(link->hello).subspan(rp::header_size));
            co_await dispatch(c, f);
        }
    } catch (const wire_error& e) {
        bad_hello = e.what();
        note_bad_hello(c, "bad hello", bad_hello);
    } catch (const connection_closed&) {
        if (reader.started()) {
            bad_hello = "truncated hello";
            note_bad_hello(c, "truncated hello", "truncated frame");
        } else {
            spdlog::debug("{}: closed before its hello", c.address);
        }
    } catch (const std::exception& e) {
        spdlog::debug("{}: {}", c.address, e.what());
    }
    if (!bad_hello.empty()) {
        try {
            co_await refuse(c.socket, rp::error_code::bad_hello, bad_hello);
        } catch (const std::exception&) {
        }
    }
    connections_.erase(&c);
    if (counted && !c.handed_over) release_address(c.ip);  // else released when the pair ends
    check_stopped();
}

// The PROXY header first: from then on the connection is known by the address it carries.
// Throws connection_closed when the connection was refused.
awaitable<void> server::read_proxy_protocol(connection& c) {
    if (!limits_.proxy_from.empty() &&
        std::find(limits_.proxy_from.begin(), limits_.proxy_from.end(), c.ip) ==
            limits_.proxy_from.end()) {
        spdlog::warn("{}: refused: not one of the --proxy-from addresses", c.address);
        metrics_.refused(limit::proxy_from);
        co_await refuse(c.socket, rp::error_code::bad_hello, "connect through the relay's proxy");
        throw connection_closed("refused");
    }
    proxy::header_reader proxy_header;
    if (co_await race(
            read_exactly(c.socket, proxy_header, "the connection closed in the PROXY header"),
            sleep_for(limits_.hello_timeout)) == 1) {
        throw wire_error("no PROXY protocol header in time");
    }
    if (const auto& real = proxy_header.result(); !real.address.empty()) {
        c.ip = client_ip(tcp::endpoint(asio::ip::make_address(real.address), 0));
        c.address = endpoint_text(tcp::endpoint(c.ip, real.port));
    }
    if (const auto it = connections_per_address_.find(c.ip);
        it != connections_per_address_.end() && it->second >= limits_.max_connections_per_address) {
        note_refused_connection(c.address, true);
        co_await refuse(c.socket, rp::error_code::relay_full,
                        "too many connections from your address; try again later");
        throw connection_closed("refused");
    }
}

// The client's first frame, within the hello timeout, and what it asks for. Throws wire_error
// for a bad one, connection_closed if the client goes first.
awaitable<void> server::serve_hello(connection& c, frame_reader<rp::format>& reader) {
    if (co_await race(read_frame(c.socket, reader, nullptr), sleep_for(limits_.hello_timeout)) ==
        1) {
        hello_log_.note("no hello in time", c.address,
                        fmt::format("{}: no hello within {}; closed", c.address,
                                    format_duration(limits_.hello_timeout)));
        metrics_.ended(outcome::hello_timeout);
        co_await refuse(c.socket, rp::error_code::hello_timeout, "no hello in time");
        co_return;
    }
    const auto f = rp::decode(reader.header(), reader.payload());
    co_await dispatch(c, f);
}

awaitable<void> server::dispatch(connection& c, const rp::frame& f) {
    if (c.via_link && f.type != rp::frame_type::claim && f.type != rp::frame_type::join &&
        f.type != rp::frame_type::reconnect) {
        throw wire_error("a link carries only claim, join or reconnect");
    }
    switch (f.type) {
        case rp::frame_type::allocate:
            c.kind = role::sender;
            co_await serve_sender(c);
            break;
        case rp::frame_type::reopen:
            c.kind = role::sender;
            co_await serve_reopen(c, f.nameplate);
            break;
        case rp::frame_type::claim:
            c.kind = role::receiver;
            co_await serve_receiver(c, f.nameplate);
            break;
        case rp::frame_type::reconnect:
            c.kind = role::reconnect;
            co_await serve_reconnect(c, f);
            break;
        case rp::frame_type::share:
            c.kind = role::share;
            co_await serve_share(c, f);
            break;
        case rp::frame_type::resume_share:
            c.kind = role::share;
            co_await serve_resume_share(c, f);
            break;
        case rp::frame_type::join:
            c.kind = role::join;
            co_await serve_join(c, f);
            break;
        case rp::frame_type::ping: {
            const rp::frame pong{rp::frame_type::pong, 0, {}, "ferry-relay " FERRY_VERSION};
            co_await send_frame(c.socket, pong);
        } break;
        default:
            throw wire_error(
                "a client may only send allocate, claim, ping, reconnect, share, resume_share, "
                "join or reopen");
    }
}

void server::note_bad_hello(const connection& c, std::string_view kind, std::string_view why) {
    metrics_.ended(outcome::bad_hello);
    hello_log_.note(kind, fmt::format("{}: {}", c.address, why),
                    fmt::format("{}: bad hello: {}", c.address, why));
}

void server::release_address(const asio::ip::address& ip) {
    if (auto it = connections_per_address_.find(ip); --it->second == 0) {
        connections_per_address_.erase(it);
    }
}

// Frees a sender's nameplate exactly once: early when the wait fails (so that a late claim is
// refused at once instead of landing in a wait nobody reads), else when the pair ends. A
// receiver handed over meanwhile counts against the connection limits until then too.
struct server::nameplate_lease {
    server& s;
    std::uint32_t nameplate;
    connection& c;
    waiting_sender& waiting;
    bool held = true;
    void release() {
        if (held) {
            s.table_.release(nameplate);
            if (s.cluster_) s.cluster_->release(cluster::nameplate_key(nameplate));
        }
        held = false;
    }
    ~nameplate_lease() {
        c.waiting = nullptr;
        c.peer = nullptr;
        release();
        if (waiting.receiver) {
            --s.paired_receivers_;
            s.release_address(waiting.receiver_ip);
        }
    }
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

awaitable<void> server::serve_sender(connection& c) {
    if (!co_await admit_sender(c)) co_return;
    waiting_sender waiting(executor_);
    const auto nameplate = co_await allocate(c, waiting);
    if (nameplate == 0) co_return;
    co_await serve_waiting(c, nameplate, waiting);
}

awaitable<void> server::serve_reopen(connection& c, std::uint32_t nameplate) {
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
    c.state = phase::waiting;
    c.waiting = &waiting;
    nameplate_lease lease{*this, nameplate, c, waiting};
    const auto started = clock::now();

    const rp::frame allocated{rp::frame_type::allocated, nameplate, {}, {}};
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

// Waits for a receiver, the sender leaving, or the wait limit, whichever comes first; true
// once a receiver is handed over, else the ending is logged and told.
awaitable<bool> server::wait_for_receiver(connection& c, waiting_sender& waiting,
                                          nameplate_lease& lease) {
    waiting.wake.expires_after(limits_.sender_wait);
    const auto woke = co_await race(wait_wake(waiting.wake), wait_gone(c.socket));
    c.waiting = nullptr;
    if (woke == 1 || !c.socket.is_open() || !waiting.receiver) lease.release();
    if (woke == 1 || !c.socket.is_open()) {
        spdlog::info("session nameplate={} sender={} outcome=sender-left-while-waiting",
                     lease.nameplate, c.address);
        metrics_.ended(outcome::sender_left);
        if (waiting.receiver) {
            co_await refuse(*waiting.receiver, rp::error_code::unknown_nameplate,
                            "the sender left before the transfer started");
        }
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

awaitable<void> server::serve_receiver(connection& c, std::uint32_t nameplate) {
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
    // Hand the socket to the sender's coroutine, which owns the pair from here on.
    claimed.sender->receiver = std::move(c.socket);
    claimed.sender->receiver_address = c.address;
    claimed.sender->receiver_ip = c.ip;
    c.handed_over = true;
    ++paired_receivers_;
    claimed.sender->wake.cancel();
}

// Undoes what serve_reconnect() registered, however it ends.
struct server::reconnect_lease {
    server& s;
    const rp::frame& f;
    connection& c;
    waiting_sender& waiting;
    ~reconnect_lease() {
        --s.reconnect_sessions_;
        s.leave_reconnect(f, waiting);
        c.waiting = nullptr;
        c.peer = nullptr;
        if (waiting.receiver) {
            --s.paired_receivers_;
            s.release_address(waiting.receiver_ip);
        }
    }
};

// RECONNECT: the two sides of a session whose connection broke find each other again by its
// rendezvous id. The first to come waits (as a sender waits for its receiver, within the same
// limits) and owns the pair; a second try of the same side replaces a stale first one.
awaitable<void> server::serve_reconnect(connection& c, const rp::frame& f) {
    if (reconnects_.end_running(f.id, f.side)) {
        spdlog::info("{}: reconnect of a session still paired here: its old connection is closed",
                     c.address);
    }
    // The second side completes a session already counted: only the first waits and is admitted.
    if (join_partner(c, f)) co_return;
    if (cluster_ && !c.via_link) {
        const auto owner = co_await remote_owner(c, cluster::reconnect_key(f.id));
        if (!owner) co_return;
        if (!owner->empty()) {
            co_await forward(c, f, *owner);
            co_return;
        }
        if (join_partner(c, f)) co_return;  // came here meanwhile
    }
    if (!co_await admit_sender(c)) co_return;
    if (cluster_ && !co_await hold_reconnect(c, f)) co_return;
    waiting_sender waiting(executor_);
    if (auto* stale = reconnects_.wait(f.id, f.side, waiting, c.ip)) {
        stale->replaced = true;
        stale->wake.cancel();
    }
    ++reconnect_sessions_;
    c.state = phase::waiting;
    c.waiting = &waiting;
    reconnect_lease lease{*this, f, c, waiting};
    const auto started = clock::now();
    waiting.wake.expires_after(limits_.sender_wait);
    const auto woke = co_await race(wait_wake(waiting.wake), wait_gone(c.socket));
    c.waiting = nullptr;
    leave_reconnect(f, waiting);
    if (waiting.receiver && (woke == 1 || !c.socket.is_open())) {
        metrics_.ended(outcome::sender_left);
        co_await refuse(*waiting.receiver, rp::error_code::no_receiver,
                        "the other side left before the pair was made");
        co_return;
    }
    if (!waiting.receiver) {
        metrics_.ended(woke == 1 || !c.socket.is_open() ? outcome::sender_left
                       : waiting.replaced               ? outcome::replaced
                       : waiting.shutting_down          ? outcome::relay_stopping
                                                        : outcome::no_receiver);
        if (woke == 1 || !c.socket.is_open()) co_return;
        const auto text = waiting.replaced        ? "replaced by a newer reconnect"
                          : waiting.shutting_down ? "the relay is shutting down"
                                                  : "the other side did not come back in time";
        co_await refuse(
            c.socket,
            waiting.shutting_down ? rp::error_code::shutting_down : rp::error_code::no_receiver,
            text);
        co_return;
    }
    const bool is_sender = f.side == rp::role::sender;
    const pair_labels labels{"reconnected", is_sender ? c.address : waiting.receiver_address,
                             is_sender ? waiting.receiver_address : c.address, !is_sender};
    // c.socket is this side's (f.side), c.peer the other's.
    reconnects_.pair_running(f.id, &c, [&c, mine = f.side](rp::role side) {
        std::error_code ignored;
        auto* dead = side == mine ? &c.socket : c.peer;
        if (dead != nullptr) dead->shutdown(tcp::socket::shutdown_both, ignored);
    });
    struct running_guard {
        reconnect_table& table;
        const rp::frame& f;
        const connection& c;
        ~running_guard() { table.pair_ended(f.id, &c); }
    } running{reconnects_, f, c};
    co_await own_pair(c, waiting, labels, started);
}

// The other side of a RECONNECT, waiting here: given this connection; false if none waits.
bool server::join_partner(connection& c, const rp::frame& f) {
    auto* partner = reconnects_.take_partner(f.id, f.side);
    if (partner == nullptr) return false;
    partner->receiver = std::move(c.socket);
    partner->receiver_address = c.address;
    partner->receiver_ip = c.ip;
    c.handed_over = true;
    ++paired_receivers_;
    partner->wake.cancel();
    return true;
}

// In a cluster the session's key is held in Redis while either side waits here.
void server::leave_reconnect(const rp::frame& f, const waiting_sender& waiting) {
    reconnects_.leave(f.id, f.side, waiting);
    if (cluster_ && !reconnects_.contains(f.id)) cluster_->release(cluster::reconnect_key(f.id));
}

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
        try {
            co_await send_opened(c, nameplate, hosted);
        } catch (const std::exception&) {
            // The new connection is gone too: run_share() sees it and the grace starts again.
        }
    }
    lease.release();
    metrics_.share_closed(why);
    spdlog::info("share nameplate={} sender={} closed pairs={} outcome={}", nameplate, c.address,
                 hosted.pairs, describe(why));
    co_await close_share(c, why);
}

// ALLOCATED for a share of ferry 0.8/0.9, SHARE_OPENED (with the token) for a resumable one.
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

// One frame to the share's sender; false if it does not take it within the idle limit.
awaitable<bool> server::write_control(connection& c, const rp::frame& f) {
    co_return co_await race(send_frame(c.socket, f), sleep_for(limits_.share_idle)) == 0;
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
struct server::share_seat {
    server& s;
    connection& c;
    waiting_sender& waiting;
    share_seat(server& owner, connection& conn, waiting_sender& w) : s(owner), c(conn), waiting(w) {
        ++s.share_sessions_;
    }
    share_seat(const share_seat&) = delete;
    share_seat& operator=(const share_seat&) = delete;
    ~share_seat() {
        --s.share_sessions_;
        c.waiting = nullptr;
        c.peer = nullptr;
        if (waiting.receiver) {
            --s.paired_receivers_;
            s.release_address(waiting.receiver_ip);
        }
    }
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
    c.state = phase::waiting;
    c.waiting = &waiting;
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
        metrics_.ended(outcome::sender_left);
        if (waiting.receiver) {
            co_await refuse(*waiting.receiver, rp::error_code::share_ended,
                            "the receiver left before its transfer started");
        }
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
    guest->receiver = std::move(c.socket);
    guest->receiver_address = c.address;
    guest->receiver_ip = c.ip;
    c.handed_over = true;
    ++paired_receivers_;
    wake_now(guest->wake);
}

tcp::endpoint server::serve_metrics(const tcp::endpoint& listen) {
    metrics_endpoint_ =
        std::make_unique<metrics_endpoint>(executor_, listen, [this] { return render_metrics(); });
    metrics_endpoint_->start();
    const auto bound = metrics_endpoint_->local_endpoint();
    spdlog::info("metrics at http://{}/metrics", endpoint_text(bound));
    return bound;
}

relay_gauges server::gauges() const {
    relay_gauges g;
    g.connections = connections();
    g.sessions = sessions();
    for (const auto* c : connections_) {
        if (c->state == phase::piping)
            ++(c->kind == role::forwarded ? g.links_active : g.pairs_active);
        if (c->hosted != nullptr) ++g.shares_open;
        if (c->state == phase::waiting && c->waiting != nullptr) {
            g.senders_waiting += c->kind == role::sender ? 1 : 0;
            g.reconnects_waiting += c->kind == role::reconnect ? 1 : 0;
            g.share_receivers_waiting += c->kind == role::share_receiver ? 1 : 0;
        }
        if (c->piped != nullptr) {
            g.running_sender_to_receiver += c->swapped ? c->piped->b_to_a : c->piped->a_to_b;
            g.running_receiver_to_sender += c->swapped ? c->piped->a_to_b : c->piped->b_to_a;
        }
    }
    if (cluster_) {
        g.clustered = true;
        g.cluster_up = cluster_->up();
        g.cluster_errors = cluster_->errors();
        g.leases = cluster_->leases();
        g.relays = cluster_->relays_known();
    }
    return g;
}

std::string server::render_metrics() const {
    return metrics_.render(gauges());
}

tcp::endpoint listen_endpoint(std::string_view text, std::string_view flag,
                              const asio::ip::address& bare_port_host) {
    // ":9009" or "9009": the port alone, on bare_port_host.
    std::string_view rest = text;
    if (rest.starts_with(':')) rest.remove_prefix(1);
    if (!rest.empty() && rest.find_first_not_of("0123456789") == std::string_view::npos) {
        const auto hp = parse_host_port(fmt::format("[::]:{}", rest), default_relay_port, true);
        return {bare_port_host, hp.port};
    }
    const auto hp = parse_host_port(text, default_relay_port, true);
    // RFC 6761: localhost is the loopback address, whatever a resolver would say.
    if (hp.host == "localhost") return {asio::ip::address_v4::loopback(), hp.port};
    std::error_code ec;
    const auto addr = asio::ip::make_address(hp.host, ec);
    if (ec) {
        throw failure(exit_code::usage, fmt::format("{} needs an IP address or localhost, not '{}'",
                                                    flag, printable(hp.host)));
    }
    return {addr, hp.port};
}

}  // namespace ferry::relay
