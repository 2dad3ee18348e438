// The relay behind a real HAProxy (Debian's haproxy) in TCP mode that sends the PROXY protocol:
// transfers work and per-address limits see the real client addresses.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>

#include "common/wire/bytes.hpp"
#include "common/wire/relay_frame.hpp"
#include "tests/support/helpers.hpp"
#include "tests/support/relay_process.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;
namespace rp = ferry::relay_proto;

namespace {

// haproxy -db with two TCP frontends: one sending PROXY v2, one v1, both to the relay.
class haproxy {
  public:
    explicit haproxy(std::uint16_t relay_port) : v2_port_(free_port()), v1_port_(free_port()) {
        REQUIRE(::access("/usr/sbin/haproxy", X_OK) == 0);  // scripts/bootstrap installs it
        const auto config = dir_.path / "haproxy.cfg";
        std::ofstream(config) << "global\n  maxconn 2000\n"
                              << "defaults\n  mode tcp\n  timeout connect 5s\n"
                              << "  timeout client 60s\n  timeout server 60s\n"
                              << "frontend v2\n  bind 127.0.0.1:" << v2_port_ << "\n"
                              << "  default_backend relay_v2\n"
                              << "frontend v1\n  bind 127.0.0.1:" << v1_port_ << "\n"
                              << "  default_backend relay_v1\n"
                              << "backend relay_v2\n  server r 127.0.0.1:" << relay_port
                              << " send-proxy-v2\n"
                              << "backend relay_v1\n  server r 127.0.0.1:" << relay_port
                              << " send-proxy\n";
        proc_ = std::make_unique<process>(
            std::vector<std::string>{"/usr/sbin/haproxy", "-db", "-f", config.string()});
        REQUIRE(wait_for_port(v2_port_));
        REQUIRE(wait_for_port(v1_port_));
    }
    [[nodiscard]] std::uint16_t v2_port() const { return v2_port_; }
    [[nodiscard]] std::uint16_t v1_port() const { return v1_port_; }

  private:
    temp_dir dir_;
    std::uint16_t v2_port_;
    std::uint16_t v1_port_;
    std::unique_ptr<process> proc_;
};

std::pair<std::uint8_t, std::uint8_t> allocate_from(
    std::uint16_t port, const std::string& source, std::vector<std::unique_ptr<raw_client>>& keep) {
    keep.push_back(std::make_unique<raw_client>(port, source));
    keep.back()->send(allocate_frame());
    const auto [type, payload] = keep.back()->read_frame();
    return {type, payload.empty() ? std::uint8_t{0} : payload[0]};
}

constexpr auto allocated = static_cast<std::uint8_t>(rp::frame_type::allocated);
constexpr auto error = static_cast<std::uint8_t>(rp::frame_type::error);

}  // namespace

TEST_CASE("behind HAProxy the relay sees the real client addresses", "[proxy][e2e]") {
    auto limits = relay_fixture::fast_limits();
    limits.proxy_protocol = true;
    limits.max_waiting_per_address = 1;
    relay_fixture relay(limits);
    haproxy proxy(relay.port());
    for (const auto port : {proxy.v2_port(), proxy.v1_port()}) {
        INFO("frontend port " << port);
        std::vector<std::unique_ptr<raw_client>> keep;
        // Without PROXY these would all be HAProxy's 127.0.0.1, and the second would be refused.
        CHECK(allocate_from(port, "127.0.0.2", keep).first == allocated);
        CHECK(allocate_from(port, "127.0.0.3", keep).first == allocated);
        const auto third = allocate_from(port, "127.0.0.2", keep);
        CHECK(third.first == error);
        CHECK(third.second == static_cast<std::uint8_t>(rp::error_code::too_many_waiting));
        // The next frontend starts once the relay has seen these senders leave.
        keep.clear();
        REQUIRE(wait_until([&] { return relay.sessions() == 0; }));
    }
}

TEST_CASE("a transfer through HAProxy with PROXY v2 verifies", "[proxy][e2e]") {
    auto limits = relay_fixture::fast_limits();
    limits.proxy_protocol = true;
    limits.proxy_from = {asio::ip::make_address("127.0.0.1")};  // where HAProxy connects from
    relay_fixture relay(limits);
    haproxy proxy(relay.port());
    temp_dir in;
    temp_dir out;
    make_file(in.path / "a.bin", 3 * 1024 * 1024 + 5);
    const auto address = "127.0.0.1:" + std::to_string(proxy.v2_port());
    auto s = start_sender(address, in.path / "a.bin");
    REQUIRE(!s.code.empty());
    auto r = start_receiver(address, s.code, out.path);
    CHECK(r->wait() == 0);
    CHECK(s.proc->wait() == 0);
    CHECK(sha256_of(out.path / "a.bin") == sha256_of(in.path / "a.bin"));
}

TEST_CASE("without --proxy-protocol a PROXY header is a bad hello", "[proxy][e2e]") {
    relay_fixture relay;
    haproxy proxy(relay.port());
    raw_client c(proxy.v2_port());
    c.send(allocate_frame());
    const auto [type, payload] = c.read_frame();
    CHECK(type == error);
    CHECK(payload.at(0) == static_cast<std::uint8_t>(rp::error_code::bad_hello));
}

TEST_CASE("with --proxy-protocol a client without the header is refused", "[proxy][e2e]") {
    auto limits = relay_fixture::fast_limits();
    limits.proxy_protocol = true;
    relay_fixture relay(limits);
    raw_client c(relay.port());
    c.send(allocate_frame());
    const auto [type, payload] = c.read_frame();
    CHECK(type == error);
    CHECK(payload.at(0) == static_cast<std::uint8_t>(rp::error_code::bad_hello));
}

TEST_CASE("with --proxy-from only the listed proxies may send a PROXY header", "[proxy][e2e]") {
    auto limits = relay_fixture::fast_limits();
    limits.proxy_protocol = true;
    limits.proxy_from = {asio::ip::make_address("127.0.0.2")};
    relay_fixture relay(limits);
    const std::string header = "PROXY TCP4 203.0.113.7 127.0.0.1 40000 9009\r\n";
    const auto ping = rp::encode({rp::frame_type::ping, 0, {}, {}});
    {
        // 127.0.0.1 is not the proxy, whatever header it would send: refused before any byte.
        raw_client direct(relay.port());
        const auto [type, payload] = direct.read_frame();
        CHECK(type == error);
        CHECK(payload.at(0) == static_cast<std::uint8_t>(rp::error_code::bad_hello));
        CHECK_THAT(std::string(payload.begin(), payload.end()), Catch::Contains("proxy"));
    }
    raw_client proxied(relay.port(), "127.0.0.2");
    proxied.send(std::vector<std::uint8_t>(header.begin(), header.end()));
    proxied.send(ping);
    CHECK(proxied.read_frame().first == static_cast<std::uint8_t>(rp::frame_type::pong));
}

TEST_CASE("ferry relay --proxy-from needs --proxy-protocol and IP addresses", "[proxy][cli][e2e]") {
    process alone(
        {ferry_binary(), "relay", "--listen", "127.0.0.1:0", "--proxy-from", "127.0.0.1"});
    CHECK(alone.wait() == 2);
    CHECK_THAT(alone.error_output(), Catch::Contains("--proxy-from needs --proxy-protocol"));
    process name({ferry_binary(), "relay", "--listen", "127.0.0.1:0", "--proxy-protocol",
                  "--proxy-from", "127.0.0.1,proxy.example"});
    CHECK(name.wait() == 2);
    CHECK_THAT(name.error_output(), Catch::Contains("not 'proxy.example'"));
}
