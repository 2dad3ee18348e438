#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "relay/limits.hpp"

namespace ferry::cli {

struct relay_settings {
    std::string listen = "[::]:9009";
    std::string hello_timeout = "10s";
    std::string sender_wait = "10m";
    std::string idle_timeout = "5m";
    std::string grace = "30s";
    std::string share_time = "24h";
    std::string share_idle = "60s";
    std::string buffer_size = "128K";
    relay::limits limits;
    bool verbose = false;
    bool no_splice = false;
    std::vector<std::string> proxy_from;
    std::string check;    // --check ADDR: ask that relay who it is instead of running one
    std::string metrics;  // --metrics ADDR:PORT: serve GET /metrics there
    // A cluster: all three or none.
    std::string cluster;      // --cluster redis://HOST:PORT
    std::string advertise;    // --advertise ADDR:PORT: the link port other relays reach
    std::string secret_file;  // --cluster-secret-file F
};

void add_relay_options(CLI::App& app, relay_settings& s);
int run_relay(relay_settings& s);
// ferry relay --check ADDR: connects, pings, prints version and round-trip time.
int check_relay(const std::string& address);

}  // namespace ferry::cli
