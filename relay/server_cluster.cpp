// The parts of the server that only a relay of a cluster uses: nameplates and reconnects held in
// Redis, links to and from the other relays (docs/protocol.md, "Relay-to-relay link").
#include <netinet/in.h>
#include <openssl/rand.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/net/address.hpp"
#include "common/net/race.hpp"
#include "common/net/read_frame.hpp"
#include "common/net/relay_client.hpp"
#include "relay/accept_loop.hpp"
#include "relay/connection.hpp"
#include "relay/server.hpp"

namespace ferry::relay {

using asio::experimental::as_tuple;
namespace rp = relay_proto;

namespace {

awaitable<void> write_all(tcp::socket& socket, const std::vector<std::uint8_t>& bytes) {
    co_await asio::async_write(socket, asio::buffer(bytes), use_awaitable);
}

std::uint64_t unix_ms_now() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

}  // namespace

tcp::endpoint server::join_cluster(const cluster_options& o, const tcp::endpoint& link_listen) {
    link_acceptor_.emplace(executor_);
    link_acceptor_->open(link_listen.protocol());
    link_acceptor_->set_option(tcp::acceptor::reuse_address(true));
    link_acceptor_->bind(link_listen);
    link_acceptor_->listen(asio::socket_base::max_listen_connections);
    const auto bound = link_acceptor_->local_endpoint();
    cluster_ = std::make_unique<cluster>(executor_, o);
    cluster_->set_self(endpoint_text(bound));
    return bound;
}

awaitable<void> server::refuse_cluster_down(connection& c, std::string_view why) {
    metrics_.refused(limit::cluster_unavailable);
    refusal_log_.note("cluster unavailable", c.address,
                      fmt::format("{}: refused: relay cluster unavailable ({})", c.address, why));
    co_await refuse(c.socket, rp::error_code::cluster_unavailable,
                    "relay cluster unavailable; try again in a moment");
}

// Random nameplates free here are offered to Redis, which takes the first free in the whole
// cluster; two offers per range before the next (longer) range.
awaitable<std::uint32_t> server::allocate_in_cluster(connection& c) {
    constexpr std::size_t offered = 16;
    constexpr std::size_t attempts = 12;
    cluster::hold_result held;
    std::vector<std::uint32_t> candidates;
    std::string unavailable;
    ++allocating_;  // counted against --max-sessions while Redis chooses
    try {
        for (std::size_t attempt = 0; attempt < attempts; ++attempt) {
            candidates = table_.candidates(attempt / 2, offered);
            std::vector<std::string> keys;
            for (const auto n : candidates)
                keys.push_back(cluster::nameplate_key(n));
            held = co_await cluster_->hold(c.ip, keys, limits_.max_waiting_per_address);
            if (held.status != cluster::hold_status::taken) break;
        }
    } catch (const std::exception& e) {
        unavailable = e.what();
    }
    --allocating_;
    if (stopping_ && held.status == cluster::hold_status::held) {  // stop() came meanwhile
        cluster_->release(cluster::nameplate_key(candidates.at(held.index)));
        metrics_.refused(limit::shutting_down);
        co_await refuse(c.socket, rp::error_code::shutting_down, "the relay is shutting down");
        co_return 0;
    }
    if (!unavailable.empty()) {
        co_await refuse_cluster_down(c, unavailable);
        co_return 0;
    }
    if (held.status == cluster::hold_status::too_many_waiting) {
        co_await refuse_too_many_waiting(c);
        co_return 0;
    }
    if (held.status == cluster::hold_status::taken) {
        metrics_.refused(limit::sessions);
        co_await refuse(c.socket, rp::error_code::relay_full, "the relay is full; try again later");
        co_return 0;
    }
    co_return candidates.at(held.index);
}

// The relay of the cluster holding `key` if that is another one, "" if none or this one;
// nullopt if Redis cannot be asked (the client is refused).
awaitable<std::optional<std::string>> server::remote_owner(connection& c, const std::string& key) {
    std::string owner;
    std::string unavailable;
    try {
        owner = co_await cluster_->owner(key);
    } catch (const redis_unavailable& e) {
        unavailable = e.what();
    }
    if (!unavailable.empty()) {
        co_await refuse_cluster_down(c, unavailable);
        co_return std::nullopt;
    }
    co_return owner == cluster_->self() ? std::string() : owner;
}

// The first side of a RECONNECT in a cluster takes the session's key (counted as a sender waiting
// from its address); true if it may wait here, else it went to the relay that took the key
// first, or was refused.
awaitable<bool> server::hold_reconnect(connection& c, const rp::frame& f) {
    const auto key = cluster::reconnect_key(f.id);
    if (cluster_->holds(key)) co_return true;  // an earlier try waits here: replaced
    cluster::hold_result held;
    std::string unavailable;
    try {
        const std::vector<std::string> keys{key};
        held = co_await cluster_->hold(c.ip, keys, limits_.max_waiting_per_address);
    } catch (const redis_unavailable& e) {
        unavailable = e.what();
    }
    if (!unavailable.empty()) {
        co_await refuse_cluster_down(c, unavailable);
        co_return false;
    }
    if (held.status == cluster::hold_status::held) co_return true;
    if (held.status == cluster::hold_status::too_many_waiting) {
        co_await refuse_too_many_waiting(c);
        co_return false;
    }
    // Taken meanwhile: by the other side here, or at another relay.
    if (join_partner(c, f)) co_return false;
    if (!c.via_link) {
        const auto owner = co_await remote_owner(c, key);
        if (!owner) co_return false;
        if (!owner->empty()) {
            co_await forward(c, f, *owner);
            co_return false;
        }
    }
    metrics_.ended(outcome::no_receiver);
    co_await refuse(c.socket, rp::error_code::no_receiver,
                    "the other side is reconnecting through another relay; try again");
    co_return false;
}

// Not a coroutine, as server::accept_loop().
awaitable<void> server::link_accept_loop() {
    spdlog::info("cluster: links from other relays on {}", cluster_->self());
    return relay::accept_loop(
        *link_acceptor_, [this] { return stopping_; }, spdlog::level::warn,
        "accept failed on the link port", [this](tcp::socket s) { link_accepted(std::move(s)); });
}

// Unauthenticated until its LINK is read: room by address, the cluster's relays apart.
void server::link_accepted(tcp::socket socket) {
    std::error_code peer_ec;
    const auto remote = socket.remote_endpoint(peer_ec);
    if (peer_ec) return;  // gone already
    const auto from = client_ip(remote);
    const bool known = cluster_->known_relay(from);
    if (const auto full = link_gate_.admit(from, known); !full.empty()) {
        metrics_.link_refused();
        hello_log_.note("link port full", fmt::format("{}: {}", from.to_string(), full),
                        fmt::format("link port: {}: {}; closed", endpoint_text(remote), full));
        std::error_code ignored;
        socket.close(ignored);
        return;
    }
    asio::co_spawn(executor_, handle_link(std::move(socket), from, known), asio::detached);
}

// Registered while its LINK is read, so that stop() can close it; uncounted then.
struct server::pending_link {
    server& s;
    tcp::socket& socket;
    asio::ip::address from;
    bool known;
    pending_link(server& owner, tcp::socket& sock, const asio::ip::address& ip, bool relay)
        : s(owner), socket(sock), from(ip), known(relay) {
        s.links_pending_.insert(&socket);
    }
    pending_link(const pending_link&) = delete;
    pending_link& operator=(const pending_link&) = delete;
    ~pending_link() {
        s.links_pending_.erase(&socket);
        s.link_gate_.leave(from, known);
    }
};

// A connection to the link port: a LINK, authentic and fresh, within the hello timeout, else it is
// closed without a word (a client has nothing to learn there). Counted in link_gate_ (by `from`,
// as a relay if `known`) until its LINK is read.
// cppcheck-suppress passedByValue
awaitable<void> server::handle_link(tcp::socket socket, asio::ip::address from, bool known) {
    std::error_code ec;
    std::string why;
    link_reader reader(cluster_->secret());
    const auto remote = socket.remote_endpoint(ec);
    try {
        const pending_link pending(*this, socket, from, known);
        if (ec) co_return;
        socket.set_option(tcp::no_delay(true), ec);
        if (!co_await read_link(socket, reader)) {
            why = "no LINK in time";
        } else if (!link_guard_.accept(reader.result(), unix_ms_now())) {
            why = "a LINK replayed or out of its time";
        }
    } catch (const wire_error& e) {
        why = e.what();
    } catch (const std::exception&) {
        why = "closed before its LINK was complete";
    }
    if (why.empty() && stopping_) why = "the relay is stopping";
    if (!why.empty()) {
        metrics_.link_refused();
        const auto peer = endpoint_text(remote);
        hello_log_.note("bad link", fmt::format("{}: {}", peer, why),
                        fmt::format("{}: link refused: {}", peer, why));
        socket.close(ec);
        co_return;
    }
    metrics_.link_accepted();
    co_await serve_link(std::move(socket), reader.result());
}

awaitable<bool> server::read_link(tcp::socket& socket, link_reader& reader) {
    co_return co_await race(read_exactly(socket, reader, "the connection closed in its LINK"),
                            sleep_for(limits_.hello_timeout)) == 0;
}

// The client behind a link is known by the address the other relay saw (its limits and logs
// use it); its hello is served as if it came here.
awaitable<void> server::serve_link(tcp::socket socket, const link_hello& hello) {
    std::error_code ec;
    const auto hp = parse_host_port(hello.client_address);
    const auto ip = asio::ip::make_address(hp.host, ec);
    if (ec) {
        metrics_.link_refused();
        spdlog::warn("link refused: bad client address '{}'", hello.client_address);
        co_return;
    }
    connection c{std::move(socket), hello.client_address, client_ip(tcp::endpoint(ip, 0))};
    c.via_link = true;
    co_await serve(c, &hello);
}

// The owner's address is one a relay of the cluster wrote (endpoint_text). The owner's first
// answer (its ERROR or PAIRED) is awaited before piping: an authentic LINK is always answered,
// so a link closed without a byte was refused there (the clocks more than 30 s apart, another
// secret, the owner stopping or its link port full) and the client is told so here.
awaitable<void> server::forward(connection& c, const rp::frame& f, const std::string& owner) {
    tcp::socket link(executor_);
    frame_reader<rp::format> answer(rp::max_payload);
    auto failed = co_await open_link(link, c, f, owner, answer);
    if (failed.empty() && (stopping_ || !c.socket.is_open())) failed = "the client left";
    if (!failed.empty()) {
        spdlog::warn("{}: link to the relay at {} holding its session failed: {}", c.address, owner,
                     failed);
        metrics_.link_ended(0, 0, link_outcome::unreachable);
        std::error_code ignored;
        link.close(ignored);
        co_await refuse(c.socket, rp::error_code::cluster_unavailable,
                        "relay cluster unavailable: the sender's relay cannot be reached");
        co_return;
    }
    // Decoded (checked) and encoded again: the same bytes.
    const auto first = rp::encode(rp::decode(answer.header(), answer.payload()));
    co_await race(write_all(c.socket, first), sleep_for(limits_.hello_timeout));
    co_await pipe_link(c, link, f, owner);
}

// Connects, sends the LINK, reads the owner's first frame into `answer`: "" or what failed. A
// share's receiver may wait there for its JOIN (the hello timeout) before its PAIRED.
awaitable<std::string> server::open_link(tcp::socket& link, const connection& c, const rp::frame& f,
                                         const std::string& owner,
                                         frame_reader<rp::format>& answer) {
    link_hello hello;
    hello.unix_ms = unix_ms_now();
    if (RAND_bytes(hello.nonce.data(), static_cast<int>(hello.nonce.size())) != 1)
        co_return "the system random generator failed (OpenSSL RAND_bytes)";
    hello.client_address = c.address;
    hello.hello = rp::encode(f);
    const auto bytes = encode_link(hello, cluster_->secret());
    std::string failed;
    try {
        const auto hp = parse_host_port(owner);
        const tcp::endpoint ep(asio::ip::make_address(hp.host), hp.port);
        link = co_await connect_from_self(ep);
        if (co_await race(write_all(link, bytes), sleep_for(limits_.hello_timeout)) == 1) {
            failed = "the LINK could not be sent in time";
        } else if (co_await race(read_frame(link, answer, nullptr),
                                 sleep_for(2 * limits_.hello_timeout)) == 1) {
            failed = "no answer in time";
        }
    } catch (const connection_closed&) {
        failed =
            "the link was refused (clocks more than 30 s apart, another cluster secret, or "
            "that relay stopping or busy)";
    } catch (const std::exception& e) {
        failed = e.what();
    }
    co_return failed;
}

// From the address this relay advertises when it can (same family), so that the relay at the
// other end knows the link for one of the cluster's: room on its link port that strangers cannot
// take (link_gate). IP_BIND_ADDRESS_NO_PORT: the port is chosen at connect(), per destination.
awaitable<tcp::socket> server::connect_from_self(const tcp::endpoint& to) {
    tcp::socket socket(executor_);
    socket.open(to.protocol());
    std::error_code ec;
    const auto self = asio::ip::make_address(parse_host_port(cluster_->self()).host, ec);
    if (!ec && self.is_v4() == to.address().is_v4()) {
        const int one = 1;
        ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        socket.bind(tcp::endpoint(self, 0), ec);  // else the kernel's choice, as for any client
    }
    auto connect = [&]() -> awaitable<void> {
        std::tie(ec) = co_await socket.async_connect(to, as_tuple(use_awaitable));
    };
    if (co_await race(connect(), sleep_for(limits_.hello_timeout)) == 1 || ec) {
        throw std::runtime_error(fmt::format("cannot reach {}: {}", endpoint_text(to),
                                             ec ? ec.message() : "no answer in time"));
    }
    socket.set_option(tcp::no_delay(true));
    co_return socket;
}

// The hop's bytes count as relayed, by direction: the client is the sender of a JOIN or of a
// sender's RECONNECT, else the receiver.
awaitable<void> server::pipe_link(connection& c, tcp::socket& link, const rp::frame& f,
                                  const std::string& owner) {
    const bool client_sends = f.type == rp::frame_type::join ||
                              (f.type == rp::frame_type::reconnect && f.side == rp::role::sender);
    c.kind = role::forwarded;
    c.peer = &link;
    c.state = phase::piping;
    c.swapped = !client_sends;
    pipe_result piped;
    c.piped = &piped;
    co_await pipe(c.socket, link, piped, limits_.idle_timeout, limits_.buffer_size,
                  limits_.splice ? pipe_mode::automatic : pipe_mode::copy);
    c.piped = nullptr;
    c.peer = nullptr;
    const auto ended =
        stopping_ && piped.outcome == pipe_outcome::reset ? link_outcome::relay_stopped
        : piped.outcome == pipe_outcome::completed        ? link_outcome::completed
        : piped.outcome == pipe_outcome::idle_timeout     ? link_outcome::idle_timeout
                                                          : link_outcome::connection_lost;
    metrics_.link_ended(client_sends ? piped.a_to_b : piped.b_to_a,
                        client_sends ? piped.b_to_a : piped.a_to_b, ended);
    spdlog::info("link client={} relay={} to_relay={} from_relay={} outcome={}", c.address, owner,
                 piped.a_to_b, piped.b_to_a, label(ended));
    std::error_code ignored;
    link.close(ignored);
    c.socket.close(ignored);
}

}  // namespace ferry::relay
