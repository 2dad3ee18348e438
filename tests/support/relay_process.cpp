#include "tests/support/relay_process.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <catch2/catch.hpp>

#include "common/net/asio.hpp"
#include "tests/support/wait.hpp"

namespace ferry::test {

using namespace std::chrono_literals;

std::uint16_t port_after(const std::string& line, const std::string& prefix) {
    const auto at = line.find(prefix);
    REQUIRE(at != std::string::npos);
    const auto colon = line.find(':', at + prefix.size());
    return static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
}

relay_process start_relay(const std::vector<std::string>& extra) {
    std::vector<std::string> args{ferry_binary(), "relay",     "--listen",
                                  "127.0.0.1:0",  "--metrics", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    const bool clustered = std::find(extra.begin(), extra.end(), "--cluster") != extra.end();
    relay_process r;
    r.proc = std::make_unique<process>(args);
    // In this order: the metrics endpoint opens before the relay starts accepting, and its
    // link port after that.
    r.metrics_port = port_after(r.proc->wait_for_error_line("metrics at", 20s), "http://");
    r.port = port_after(r.proc->wait_for_error_line("listening on", 20s), "listening on ");
    if (clustered) {
        r.link_port = port_after(r.proc->wait_for_error_line("links from other relays on", 20s),
                                 "relays on ");
    }
    return r;
}

std::string http(std::uint16_t port, const std::string& request) {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
    asio::write(socket, asio::buffer(request));
    std::string response;
    std::error_code ec;
    asio::read(socket, asio::dynamic_buffer(response), ec);
    return response;
}

std::map<std::string, double> scrape(std::uint16_t port) {
    const auto response = http(port, "GET /metrics HTTP/1.1\r\nHost: relay\r\n\r\n");
    REQUIRE(response.starts_with("HTTP/1.1 200 OK\r\n"));
    REQUIRE(response.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
    const auto body = response.substr(response.find("\r\n\r\n") + 4);
    process parser(
        {"/usr/bin/python3", std::string(FERRY_SOURCE_DIR) + "/tests/support/check_metrics.py"}, {},
        input::pipe);
    parser.type(body);
    parser.close_input();
    const auto parsed = parser.read_output_to_end(30s);
    const int rc = parser.wait(30s);
    INFO(parser.error_output());
    REQUIRE(rc == 0);
    std::map<std::string, double> samples;
    std::size_t start = 0;
    while (start < parsed.size()) {
        const auto end = parsed.find('\n', start);
        const auto line = parsed.substr(start, end - start);
        const auto space = line.rfind(' ');
        samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
        start = end == std::string::npos ? parsed.size() : end + 1;
    }
    return samples;
}

double value(const std::map<std::string, double>& samples, const std::string& name) {
    const auto it = samples.find(name);
    INFO(name);
    REQUIRE(it != samples.end());
    return it->second;
}

std::uint16_t free_port() {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    return a.local_endpoint().port();
}

redis_server::redis_server(const std::filesystem::path& dir) : dir_(dir) {
    REQUIRE(std::filesystem::exists("/usr/bin/redis-server"));  // scripts/bootstrap installs it
    port_ = free_port();
    start();
}

redis_server::~redis_server() {
    if (proc_) stop();
}

void redis_server::start() {
    proc_ = std::make_unique<process>(std::vector<std::string>{
        "/usr/bin/redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save",
        "", "--appendonly", "no", "--dir", dir_.string()});
    REQUIRE(wait_for_port(port_, 20s));
    // Accepting is not serving yet: wait for its first PONG.
    REQUIRE(wait_until(
        [&] {
            redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, timeval{1, 0});
            bool pong = false;
            if (c != nullptr && c->err == 0) {
                auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
                pong = r != nullptr && r->type == REDIS_REPLY_STATUS;
                if (r != nullptr) freeReplyObject(r);
            }
            if (c != nullptr) redisFree(c);
            return pong;
        },
        20s));
}

void redis_server::stop() {
    proc_->kill(SIGTERM);
    proc_->wait(30s);
    proc_.reset();
}

std::map<std::string, std::string> redis_server::values(const std::string& pattern) {
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, timeval{5, 0});
    REQUIRE(c != nullptr);
    REQUIRE(c->err == 0);
    std::map<std::string, std::string> out;
    auto* keys = static_cast<redisReply*>(redisCommand(c, "KEYS %s", pattern.c_str()));
    REQUIRE(keys != nullptr);
    for (std::size_t i = 0; i < keys->elements; ++i) {
        const std::string key(keys->element[i]->str, keys->element[i]->len);
        auto* v = static_cast<redisReply*>(redisCommand(c, "GET %b", key.data(), key.size()));
        if (v != nullptr && v->type == REDIS_REPLY_STRING) out[key] = std::string(v->str, v->len);
        if (v != nullptr) freeReplyObject(v);
    }
    freeReplyObject(keys);
    redisFree(c);
    return out;
}

}  // namespace ferry::test
