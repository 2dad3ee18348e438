#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace ferry::test {

// A TCP port of 127.0.0.1 free a moment ago (for a program that cannot be told port 0).
std::uint16_t free_port();

// The port at the end of a log line's "<prefix>127.0.0.1:PORT".
std::uint16_t port_after(const std::string& line, const std::string& prefix);

// `ferry relay` as a process on 127.0.0.1, ephemeral ports, its metrics served.
struct relay_process {
    std::unique_ptr<process> proc;
    std::uint16_t port = 0;
    std::uint16_t metrics_port = 0;
    std::uint16_t link_port = 0;  // a relay of a cluster
    [[nodiscard]] std::string address() const { return "127.0.0.1:" + std::to_string(port); }
    [[nodiscard]] std::string advertised() const {
        return "127.0.0.1:" + std::to_string(link_port);
    }
};
relay_process start_relay(const std::vector<std::string>& extra);

// One HTTP exchange: the whole response, read until the server closes.
std::string http(std::uint16_t port, const std::string& request);
// GET /metrics, parsed by the Prometheus client's own parser (tests/support/check_metrics.py):
// sample ("name{labels}") to value.
std::map<std::string, double> scrape(std::uint16_t port);
double value(const std::map<std::string, double>& samples, const std::string& name);

// redis-server on a free port of 127.0.0.1, nothing saved, its folder temporary.
class redis_server {
  public:
    explicit redis_server(const std::filesystem::path& dir);
    ~redis_server();
    redis_server(const redis_server&) = delete;
    redis_server& operator=(const redis_server&) = delete;
    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
    void stop();   // SIGTERM, waited for
    void start();  // again, on the same port
    // The keys matching `pattern` and their values (strings only).
    std::map<std::string, std::string> values(const std::string& pattern);

  private:
    std::filesystem::path dir_;
    std::uint16_t port_ = 0;
    std::unique_ptr<process> proc_;
};

}  // namespace ferry::test
