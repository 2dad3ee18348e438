// The server's life (start, stop) and each client's first steps: the accept, the PROXY header,
// the hello and what it asks for. The roles are served in server_pairing.cpp (a sender and its
// receiver), server_reconnect.cpp, server_share.cpp and server_cluster.cpp (links, Redis).
#include "relay/server.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <csignal>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/net/dead_path.hpp"
#include "common/net/deadline.hpp"
#include "common/net/race.hpp"
#include "common/net/read_frame.hpp"
#include "common/ui/units.hpp"
#include "common/wire/relay_frame.hpp"
#include "relay/accept_loop.hpp"
#include "relay/connection.hpp"
#include "relay/proxy_header.hpp"

namespace ferry::relay {

namespace rp = relay_proto;

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
    close_doors();
    std::error_code ignored;
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

// No new connection: the client and link ports closed, and the links not yet read.
void server::close_doors() {
    std::error_code ignored;
    acceptor_.close(ignored);
    if (link_acceptor_) link_acceptor_->close(ignored);
    for (auto* link : links_pending_)
        link->close(ignored);
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
    close_doors();
    std::error_code ignored;
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

// Not a coroutine: the loop's arguments are built here, outside any co_await expression
// (docs/architecture.md, GCC 12 and co_await).
awaitable<void> server::accept_loop() {
    spdlog::info("ferry relay {} listening on {}", FERRY_VERSION,
                 endpoint_text(acceptor_.local_endpoint()));
    return relay::accept_loop(
        acceptor_, [this] { return stopping_; }, spdlog::level::warn, "accept failed",
        [this](tcp::socket socket) { accepted(std::move(socket)); });
}

// Within the connection limits a client is served; over one it gets a best-effort error without
// waiting on it, and is closed.
void server::accepted(tcp::socket socket) {
    metrics_.accepted();
    detect_dead_path(socket);  // a client whose path died is not held until the idle limit
    std::error_code remote_ec;
    const auto remote = socket.remote_endpoint(remote_ec);
    if (remote_ec) return;
    const auto ip = client_ip(remote);
    const auto from_ip = connections_per_address_.find(ip);
    // Behind a proxy every connection comes from the proxy: the real address is known only
    // after the PROXY header, and handle() applies the per-address cap then.
    const bool too_many_from_ip = !limits_.proxy_protocol &&
                                  from_ip != connections_per_address_.end() &&
                                  from_ip->second >= limits_.max_connections_per_address;
    if (connections() >= limits_.max_connections || too_many_from_ip) {
        std::error_code ignored;
        const auto bytes = rp::encode(
            rp::frame{rp::frame_type::error, 0, rp::error_code::relay_full,
                      too_many_from_ip ? "too many connections from your address; try again later"
                                       : "the relay has too many connections; try again later"});
        socket.non_blocking(true, ignored);
        socket.write_some(asio::buffer(bytes), ignored);
        socket.close(ignored);
        note_refused_connection(endpoint_text(remote), too_many_from_ip);
        return;
    }
    asio::co_spawn(executor_, handle(std::move(socket)), asio::detached);
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
    // What each hello asks for: the role it gives the connection, and who serves it.
    struct route {
        rp::frame_type type;
        role kind;
        awaitable<void> (server::*serve)(connection&, const rp::frame&);
    };
    static constexpr std::array<route, 8> routes{{
        {rp::frame_type::allocate, role::sender, &server::serve_sender},
        {rp::frame_type::reopen, role::sender, &server::serve_reopen},
        {rp::frame_type::claim, role::receiver, &server::serve_receiver},
        {rp::frame_type::reconnect, role::reconnect, &server::serve_reconnect},
        {rp::frame_type::share, role::share, &server::serve_share},
        {rp::frame_type::resume_share, role::share, &server::serve_resume_share},
        {rp::frame_type::join, role::join, &server::serve_join},
        {rp::frame_type::ping, role::unknown, &server::serve_ping},
    }};
    const auto* it = std::find_if(routes.begin(), routes.end(),
                                  [&f](const route& r) { return r.type == f.type; });
    if (it == routes.end()) {
        throw wire_error(
            "a client may only send allocate, claim, ping, reconnect, share, resume_share, "
            "join or reopen");
    }
    c.kind = it->kind;
    co_await (this->*(it->serve))(c, f);
}

awaitable<void> server::serve_ping(connection& c, const rp::frame& /*ping*/) {
    const rp::frame pong{rp::frame_type::pong, 0, {}, "ferry-relay " FERRY_VERSION};
    co_await send_frame(c.socket, pong);  // the connection ends next, written or not
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

}  // namespace ferry::relay
