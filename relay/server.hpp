#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "common/wire/frame_reader.hpp"
#include "common/wire/relay_frame.hpp"
#include "relay/claim_limiter.hpp"
#include "relay/cluster.hpp"
#include "relay/limits.hpp"
#include "relay/link_frame.hpp"
#include "relay/link_gate.hpp"
#include "relay/log_summary.hpp"
#include "relay/metrics.hpp"
#include "relay/metrics_endpoint.hpp"
#include "relay/pairing_table.hpp"
#include "relay/reconnect_table.hpp"
#include "relay/share.hpp"

namespace ferry::relay {

struct connection;

// The relay: accepts clients on one TCP port, pairs a sender (ALLOCATE) with its receiver
// (CLAIM) by nameplate, then pipes bytes between them; a share (SHARE) pairs each claim of its
// nameplate with a data connection of its sender (JOIN). Runs on a single-threaded executor.
class server {
  public:
    // Binds and listens; throws std::system_error if the address cannot be used.
    server(asio::any_io_executor ex, const tcp::endpoint& listen, const limits& l);

    [[nodiscard]] tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

    // Joins a cluster of relays sharing Redis (before start()): listens for the other relays'
    // links on `link_listen` (port 0: any free one) and is known to them by the address bound;
    // returns it. Throws std::system_error if the address cannot be used.
    tcp::endpoint join_cluster(const cluster_options& o, const tcp::endpoint& link_listen);

    void start();
    // Stops accepting, closes waiting and half-open connections at once, and gives running
    // pairs `limits.grace` to finish before closing them.
    void stop();
    // Closes everything now.
    void stop_now();
    // Called once, when stopping and the last connection has ended.
    void on_stopped(std::function<void()> f) { on_stopped_ = std::move(f); }
    // Serves GET /metrics on `listen` (its own port) until the relay has stopped; returns the
    // bound endpoint (and logs it). Throws std::system_error if the address cannot be used.
    tcp::endpoint serve_metrics(const tcp::endpoint& listen);
    // The Prometheus text exposition of the metrics now (docs/relay-operations.md).
    [[nodiscard]] std::string render_metrics() const;
    [[nodiscard]] const relay_metrics& metrics() const { return metrics_; }

    // Nameplates in use, sessions waiting for (or paired again by) a RECONNECT, and the receivers
    // of shares, waiting for their JOIN or paired.
    [[nodiscard]] std::size_t sessions() const {
        return table_.sessions() + reconnect_sessions_ + share_sessions_ + allocating_;
    }
    // Open client connections, a paired receiver's included (its socket belongs to its sender's
    // coroutine from the pairing on).
    [[nodiscard]] std::size_t connections() const {
        return connections_.size() + paired_receivers_;
    }

  private:
    awaitable<void> accept_loop();
    void accepted(tcp::socket socket);
    void close_doors();
    awaitable<void> handle(tcp::socket socket);
    awaitable<void> serve(connection& c, const link_hello* link);
    awaitable<void> read_proxy_protocol(connection& c);
    awaitable<void> serve_hello(connection& c, frame_reader<relay_proto::format>& reader);
    awaitable<void> dispatch(connection& c, const relay_proto::frame& f);
    awaitable<void> serve_ping(connection& c, const relay_proto::frame& f);
    awaitable<void> link_accept_loop();
    void link_accepted(tcp::socket socket);
    awaitable<void> handle_link(tcp::socket socket, asio::ip::address from, bool known);
    awaitable<bool> read_link(tcp::socket& socket, link_reader& reader);
    awaitable<void> serve_link(tcp::socket socket, const link_hello& hello);
    // A hello for a nameplate or reconnect that `owner`, another relay, holds: sent there over
    // a link, and the client's bytes piped to it and back.
    awaitable<void> forward(connection& c, const relay_proto::frame& f, const std::string& owner);
    awaitable<tcp::socket> connect_from_self(const tcp::endpoint& to);
    awaitable<std::string> open_link(tcp::socket& link, const connection& c,
                                     const relay_proto::frame& f, const std::string& owner,
                                     frame_reader<relay_proto::format>& answer);
    awaitable<void> pipe_link(connection& c, tcp::socket& link, const relay_proto::frame& f,
                              const std::string& owner);
    awaitable<bool> claims_allowed(connection& c);
    void settle_claim(const connection& c, bool failed);
    awaitable<void> refuse_cluster_down(connection& c, std::string_view why);
    awaitable<void> refuse_too_many_waiting(connection& c);
    // A nameplate for a sender or a share, drawn here or, in a cluster, held in Redis (the
    // caller registers it in the table before it next waits); 0 if it was refused (and told).
    awaitable<std::uint32_t> allocate(connection& c, waiting_sender& waiting);
    awaitable<std::uint32_t> allocate(connection& c, share& host);
    awaitable<std::uint32_t> allocate_in_cluster(connection& c);
    // The relay of the cluster holding `key`, if it is another one ("" if none or this one);
    // nullopt if Redis is gone (the client is refused).
    awaitable<std::optional<std::string>> remote_owner(connection& c, const std::string& key);
    // RECONNECT in a cluster: false if the hello went elsewhere or was refused.
    awaitable<bool> hold_reconnect(connection& c, const relay_proto::frame& f);
    bool join_partner(connection& c, const relay_proto::frame& f);
    void leave_reconnect(const relay_proto::frame& f, const waiting_sender& waiting);
    // The client's socket handed to the coroutine waiting for it, which owns the pair.
    void hand_over(connection& c, waiting_sender& to);
    awaitable<std::size_t> wait_handed_over(connection& c, waiting_sender& waiting);
    struct pair_lease;
    struct nameplate_lease;
    awaitable<bool> admit_sender(connection& c);
    awaitable<void> serve_sender(connection& c, const relay_proto::frame& f);
    // REOPEN: a sender whose receiver declined waits again under the nameplate it had.
    awaitable<void> serve_reopen(connection& c, const relay_proto::frame& f);
    awaitable<bool> reopen(connection& c, std::uint32_t nameplate, waiting_sender& waiting);
    // A sender with its nameplate registered: ALLOCATED, the wait, the pair.
    awaitable<void> serve_waiting(connection& c, std::uint32_t nameplate, waiting_sender& waiting);
    awaitable<void> wait_wake(asio::steady_timer& wake);
    awaitable<void> wait_gone(tcp::socket& socket);
    awaitable<bool> wait_for_receiver(connection& c, waiting_sender& waiting,
                                      nameplate_lease& lease);
    awaitable<void> waiter_left(waiting_sender& waiting, relay_proto::error_code code,
                                std::string_view text);
    awaitable<void> tell_paired(tcp::socket& sender, tcp::socket& receiver);
    // For the log line of a pair: which session, who is who (`swapped`: the socket owning the
    // pair is the receiver's, as after a RECONNECT that the receiver sent first).
    struct pair_labels {
        std::string session;
        std::string sender_address;
        std::string receiver_address;
        bool swapped = false;
    };
    awaitable<void> run_pair(connection& c, tcp::socket& receiver, const pair_labels& labels,
                             clock::time_point started);
    awaitable<void> own_pair(connection& c, waiting_sender& waiting, const pair_labels& labels,
                             clock::time_point started);
    struct reconnect_lease;
    // RECONNECT: the two sides of a broken session paired again by its rendezvous id.
    awaitable<void> serve_reconnect(connection& c, const relay_proto::frame& f);
    awaitable<bool> reconnect_waits_here(connection& c, const relay_proto::frame& f);
    awaitable<bool> wait_for_partner(connection& c, const relay_proto::frame& f,
                                     waiting_sender& waiting);
    awaitable<void> own_reconnected_pair(connection& c, const relay_proto::frame& f,
                                         waiting_sender& waiting, clock::time_point started);
    awaitable<void> serve_receiver(connection& c, const relay_proto::frame& f);
    struct share_lease;
    awaitable<void> serve_share(connection& c, const relay_proto::frame& f);
    awaitable<void> send_opened(connection& c, std::uint32_t nameplate, const share& hosted);
    // How the control connection ended; nullopt when a RESUME_SHARE took its place.
    awaitable<std::optional<share_end>> run_share(connection& c, share& hosted,
                                                  clock::time_point ends_at);
    awaitable<bool> wait_resume(connection& c, share& hosted, std::uint32_t nameplate);
    void take_resumed(connection& c, share& hosted, std::uint32_t nameplate);
    awaitable<void> serve_resume_share(connection& c, const relay_proto::frame& f);
    awaitable<bool> write_control(connection& c, const relay_proto::frame& f);
    awaitable<bool> write_arrivals(connection& c, share& hosted);
    awaitable<void> close_share(connection& c, share_end why);
    struct share_seat;
    awaitable<void> serve_share_receiver(connection& c, std::uint32_t nameplate, share& host);
    awaitable<bool> wait_for_join(connection& c, waiting_sender& waiting, share_guest& guest);
    awaitable<void> serve_join(connection& c, const relay_proto::frame& f);
    void check_stopped();
    void note_bad_hello(const connection& c, std::string_view kind, std::string_view why);
    void note_refused_connection(const std::string& address, bool per_address);
    void release_address(const asio::ip::address& ip);
    [[nodiscard]] relay_gauges gauges() const;

    asio::any_io_executor executor_;
    tcp::acceptor acceptor_;
    limits limits_;
    pairing_table table_;
    reconnect_table reconnects_;
    std::size_t reconnect_sessions_ = 0;
    std::size_t share_sessions_ = 0;  // receivers of shares, waiting for their JOIN or paired
    claim_limiter claims_;
    std::unique_ptr<cluster> cluster_;  // null: a relay on its own
    std::optional<tcp::acceptor> link_acceptor_;
    // Connections to the link port whose LINK is not read yet: room by address (link_gate).
    struct pending_link;
    link_gate link_gate_;
    std::size_t allocating_ = 0;  // senders whose nameplate Redis is choosing: sessions already
    std::unordered_set<tcp::socket*> links_pending_;
    link_guard link_guard_;
    std::unordered_set<connection*> connections_;
    std::unordered_map<asio::ip::address, std::size_t> connections_per_address_;
    std::size_t paired_receivers_ = 0;  // receivers' sockets handed over to their senders
    // A flood of bad hellos or of connections over a cap is summarised, not logged line by line.
    summarised_log hello_log_;
    summarised_log refusal_log_;
    relay_metrics metrics_;
    std::unique_ptr<metrics_endpoint> metrics_endpoint_;
    asio::steady_timer grace_timer_;
    bool stopping_ = false;
    std::function<void()> on_stopped_;
};

}  // namespace ferry::relay
