#include "cli/relay_command.hpp"

#include <fstream>
#include <iterator>
#include <tuple>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/net/address.hpp"
#include "common/net/client_runner.hpp"
#include "common/net/phases.hpp"
#include "common/net/relay_client.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/logging.hpp"
#include "common/ui/units.hpp"
#include "relay/server.hpp"
#include "relay/signal_stopper.hpp"

namespace ferry::cli {

namespace {

// The options are added in the order --help lists them: these four helpers run in turn.
void add_listen_and_time_options(CLI::App& app, relay_settings& s) {
    app.add_option("--listen", s.listen,
                   "Address and port to listen on (IP:PORT, localhost:PORT, or PORT alone: every "
                   "interface); [::]:PORT is IPv4 and IPv6 (default [::]:9009)")
        ->type_name("ADDR");
    app.add_option("--hello-timeout", s.hello_timeout, "Time a new client has to say hello (10s)")
        ->type_name("T");
    app.add_option("--sender-wait", s.sender_wait, "Time a sender may wait for its receiver (10m)")
        ->type_name("T");
    app.add_option("--idle-timeout", s.idle_timeout,
                   "Close a transfer with no byte either way for this long (5m)")
        ->type_name("T");
    app.add_option("--grace", s.grace, "On SIGINT/SIGTERM, time running transfers get (30s)")
        ->type_name("T");
    app.add_option("--max-sessions", s.limits.max_sessions,
                   "Nameplates in use at once, waiting or paired (1000)");
    app.add_option("--max-share-waiting", s.limits.max_share_waiting,
                   "Receivers of one share waiting at once for the sender to take them (64)");
    app.add_option("--share-time", s.share_time, "Time a share may stay open (24h)")
        ->type_name("T");
    app.add_option("--share-idle", s.share_idle,
                   "End a share whose sender sends nothing (no PING) for this long (60s)")
        ->type_name("T");
}

void add_limit_options(CLI::App& app, relay_settings& s) {
    app.add_option("--max-waiting-per-address", s.limits.max_waiting_per_address,
                   "Senders waiting at once from one IP address (20)");
    app.add_option("--max-connections", s.limits.max_connections,
                   "Open client connections of any kind (4096)");
    app.add_option("--max-connections-per-address", s.limits.max_connections_per_address,
                   "Open client connections from one IP address (64)");
    app.add_option("--failed-claims-per-minute", s.limits.failed_claims_per_minute,
                   "Claims of unknown or taken nameplates allowed per IP address and minute (10)");
    app.add_option("--buffer-size", s.buffer_size,
                   "Buffer per direction per transfer, at least 64K (128K): a kernel pipe moved "
                   "with splice(2), or memory with --no-splice")
        ->type_name("SIZE");
    app.add_flag("--no-splice", s.no_splice,
                 "Copy through a buffer in memory with read/write instead of splice(2)");
    app.add_flag("-v,--verbose", s.verbose, "Log debug lines too");
}

void add_proxy_and_metrics_options(CLI::App& app, relay_settings& s) {
    app.add_flag("--proxy-protocol", s.limits.proxy_protocol,
                 "Every connection starts with a PROXY protocol v1 or v2 header (HAProxy "
                 "send-proxy / send-proxy-v2, nginx stream proxy_protocol): limits and logs use "
                 "the client address it carries");
    app.add_option("--proxy-from", s.proxy_from,
                   "With --proxy-protocol: only these proxy addresses may connect "
                   "(comma-separated IP addresses; default: any)")
        ->delimiter(',')
        ->type_name("ADDR");
    app.add_option("--metrics", s.metrics,
                   "Serve Prometheus metrics at http://ADDR:PORT/metrics (e.g. 127.0.0.1:9100; "
                   "a port alone: 127.0.0.1; nothing per user, but keep it off the public "
                   "address)")
        ->type_name("ADDR");
}

void add_cluster_and_check_options(CLI::App& app, relay_settings& s) {
    app.add_option("--cluster", s.cluster,
                   "Join a cluster of relays sharing nameplates and limits through the Redis at "
                   "redis://HOST:PORT (with --advertise and --cluster-secret-file)")
        ->type_name("URL");
    app.add_option("--advertise", s.advertise,
                   "In a cluster: the IP address and port this relay listens on for the other "
                   "relays' links, and by which they know it; its links to them leave from this "
                   "address, which has room reserved on their link ports (port 0: any free one)")
        ->type_name("ADDR");
    app.add_option("--cluster-secret-file", s.secret_file,
                   "In a cluster: a file holding the secret (at least 16 bytes) every relay of "
                   "the cluster shares; it authenticates their links")
        ->type_name("FILE");
    app.add_option("--check", s.check,
                   "Do not run a relay: check that the relay at ADDR answers (e.g. an ngrok "
                   "address), with its version and round-trip time")
        ->type_name("ADDR");
}

}  // namespace

void add_relay_options(CLI::App& app, relay_settings& s) {
    add_listen_and_time_options(app, s);
    add_limit_options(app, s);
    add_proxy_and_metrics_options(app, s);
    add_cluster_and_check_options(app, s);
}

int check_relay(const std::string& address) {
    const auto relay = parse_host_port(address);
    std::string version;
    std::chrono::duration<double, std::milli> round_trip{};
    run_client([&](deadline& activity) -> awaitable<void> {
        activity.set(std::chrono::seconds(15));
        auto socket = co_await connect_relay(relay, phases::connect_within);
        const auto start = std::chrono::steady_clock::now();
        version = co_await ping_relay(socket);
        round_trip = std::chrono::steady_clock::now() - start;
    });
    fmt::print("{} answers: {}, round trip {:.1f} ms\n", relay.text(), version, round_trip.count());
    return 0;
}

namespace {

void serve_metrics(relay::server& server, const std::string& address) {
    // A bare port stays on this machine: the metrics are for the operator, not the world.
    const auto endpoint = listen_endpoint(address, "--metrics", asio::ip::address_v4::loopback());
    try {
        server.serve_metrics(endpoint);
    } catch (const std::system_error& e) {
        throw failure(exit_code::network,
                      fmt::format("cannot serve metrics on {}: {}", address, e.code().message()));
    }
}

relay::cluster_options read_cluster_options(const relay_settings& s) {
    relay::cluster_options o;
    try {
        std::tie(o.redis_host, o.redis_port) = relay::parse_redis_url(s.cluster);
    } catch (const std::invalid_argument& e) {
        throw failure(exit_code::usage, fmt::format("--cluster {}: {}", s.cluster, e.what()));
    }
    std::ifstream in(s.secret_file, std::ios::binary);
    if (!in) {
        throw failure(exit_code::usage,
                      fmt::format("cannot read --cluster-secret-file {}", s.secret_file));
    }
    o.secret.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    while (!o.secret.empty() && (o.secret.back() == '\n' || o.secret.back() == '\r'))
        o.secret.pop_back();  // a secret written with echo
    if (o.secret.size() < relay::min_link_secret) {
        throw failure(exit_code::usage,
                      fmt::format("the cluster secret in {} must be at least {} bytes",
                                  s.secret_file, relay::min_link_secret));
    }
    return o;
}

void join_cluster(relay::server& server, const relay_settings& s) {
    const auto o = read_cluster_options(s);
    const auto link = listen_endpoint(s.advertise, "--advertise");
    if (link.address().is_unspecified()) {
        throw failure(exit_code::usage,
                      "--advertise needs the address the other relays reach this one at, not "
                      "every interface");
    }
    try {
        server.join_cluster(o, link);
    } catch (const std::system_error& e) {
        throw failure(exit_code::network, fmt::format("cannot listen for links on {}: {}",
                                                      s.advertise, e.code().message()));
    }
}

}  // namespace

namespace {

// The durations and sizes given as text, into s.limits.
void read_limits(relay_settings& s) {
    s.limits.hello_timeout = parse_duration(s.hello_timeout);
    s.limits.sender_wait = parse_duration(s.sender_wait);
    s.limits.idle_timeout = parse_duration(s.idle_timeout);
    s.limits.grace = parse_duration(s.grace);
    s.limits.max_share_time = parse_duration(s.share_time);
    s.limits.share_idle = parse_duration(s.share_idle);
    if (s.limits.max_share_time.count() == 0 || s.limits.share_idle.count() == 0) {
        throw failure(exit_code::usage, "--share-time and --share-idle must be at least 1ms");
    }
    s.limits.buffer_size = parse_size(s.buffer_size);
    s.limits.splice = !s.no_splice;
}

// --proxy-from's addresses, into s.limits.
void read_proxy_from(relay_settings& s) {
    if (!s.proxy_from.empty() && !s.limits.proxy_protocol) {
        throw failure(exit_code::usage, "--proxy-from needs --proxy-protocol");
    }
    for (const auto& text : s.proxy_from) {
        std::error_code ec;
        const auto address = asio::ip::make_address(text, ec);
        if (ec) {
            throw failure(exit_code::usage,
                          fmt::format("--proxy-from needs IP addresses, not '{}'", text));
        }
        s.limits.proxy_from.push_back(address);
    }
}

// What no single option's parser can see: ranges and options that go together.
void check_settings(const relay_settings& s) {
    if (s.limits.buffer_size < 64 * 1024 || s.limits.buffer_size > 64 * 1024 * 1024) {
        throw failure(exit_code::usage, "--buffer-size must be between 64K and 64M");
    }
    if (s.limits.max_sessions == 0 || s.limits.max_waiting_per_address == 0 ||
        s.limits.max_connections == 0 || s.limits.failed_claims_per_minute == 0 ||
        s.limits.max_connections_per_address == 0 || s.limits.max_share_waiting == 0) {
        throw failure(exit_code::usage, "the --max-* limits must be at least 1");
    }
    const bool clustered = !s.cluster.empty();
    if (clustered != !s.advertise.empty() || clustered != !s.secret_file.empty()) {
        throw failure(exit_code::usage,
                      "--cluster, --advertise and --cluster-secret-file go together");
    }
}

std::unique_ptr<relay::server> listen(asio::io_context& io, const relay_settings& s) {
    const auto endpoint = listen_endpoint(s.listen);
    try {
        try {
            return std::make_unique<relay::server>(io.get_executor(), endpoint, s.limits);
        } catch (const std::system_error&) {
            // [::] where IPv6 is off: every IPv4 interface instead.
            if (!endpoint.address().is_v6() || !endpoint.address().is_unspecified()) throw;
            return std::make_unique<relay::server>(
                io.get_executor(), tcp::endpoint(asio::ip::address_v4::any(), endpoint.port()),
                s.limits);
        }
    } catch (const std::system_error& e) {
        throw failure(exit_code::network,
                      fmt::format("cannot listen on {}: {}", s.listen, e.code().message()));
    }
}

}  // namespace

int run_relay(relay_settings& s) {
    if (!s.check.empty()) return check_relay(s.check);
    read_limits(s);
    read_proxy_from(s);
    check_settings(s);
    setup_logging(s.verbose);
    asio::io_context io(1);
    const auto server = listen(io, s);
    if (!s.cluster.empty()) join_cluster(*server, s);
    if (!s.metrics.empty()) serve_metrics(*server, s.metrics);
    relay::signal_stopper stopper(io, *server);  // SIGINT/SIGTERM: gracefully, then at once
    server->start();
    io.run();
    return 0;
}

}  // namespace ferry::cli
