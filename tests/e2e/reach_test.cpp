// Reaching a relay: over IPv6, dual-stack, through a plain TCP forwarder standing in for an ngrok
// tunnel, and `ferry relay --check`.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <array>
#include <thread>

#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

// The real relay binary; returns the address it printed in its start-up line.
std::string start_relay_binary(process& relay) {
    const auto line = relay.wait_for_error_line("listening on ");
    const auto at = line.find("listening on ");
    REQUIRE(at != std::string::npos);
    return line.substr(at + std::string("listening on ").size());
}

std::uint16_t port_of(const std::string& address) {
    return static_cast<std::uint16_t>(std::stoul(address.substr(address.rfind(':') + 1)));
}

std::uint16_t free_port() {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    return a.local_endpoint().port();
}

void check_transfer(const std::string& send_relay, const std::string& receive_relay) {
    temp_dir in;
    temp_dir out;
    make_file(in.path / "a.bin", 2 * 1024 * 1024 + 3);
    auto s = start_sender(send_relay, in.path / "a.bin");
    REQUIRE(!s.code.empty());
    auto r = start_receiver(receive_relay, s.code, out.path);
    CHECK(r->wait() == 0);
    CHECK(s.proc->wait() == 0);
    CHECK(sha256_of(out.path / "a.bin") == sha256_of(in.path / "a.bin"));
}

}  // namespace

TEST_CASE("a transfer over IPv6 loopback", "[reach][e2e]") {
    process relay({ferry_binary(), "relay", "--listen", "[::1]:0"});
    const auto address = start_relay_binary(relay);
    CHECK_THAT(address, Catch::StartsWith("[::1]:"));
    check_transfer(address, address);
}

TEST_CASE("ferry relay --no-splice copies through memory and the file arrives", "[reach][e2e]") {
    process relay({ferry_binary(), "relay", "--listen", "127.0.0.1:0", "--no-splice"});
    const auto address = start_relay_binary(relay);
    check_transfer(address, address);
}

TEST_CASE("the relay binary outlives receivers killed mid-transfer", "[reach][e2e]") {
    // The relay's writes to a dead receiver fail (ECONNRESET, then EPIPE); with splice(2) an
    // EPIPE also raises SIGPIPE, which must not end the relay. Full speed, several times, since
    // which write sees which error depends on timing.
    process relay({ferry_binary(), "relay", "--listen", "127.0.0.1:0"});
    const auto address = start_relay_binary(relay);
    temp_dir in;
    make_file(in.path / "big.bin", 256 * 1024 * 1024);
    for (int round = 0; round < 4; ++round) {
        temp_dir out;
        auto s = start_sender(address, in.path / "big.bin", {"--reconnect-for", "0"});
        REQUIRE(!s.code.empty());
        auto r = start_receiver(address, s.code, out.path);
        REQUIRE(!r->wait_for_error_line("Receiving", 60s).empty());
        // Killed at a different point each round: once 0, 32, 64, 96 MiB are on its disk.
        const auto target = io_of(r->pid()).written +
                            std::uint64_t{32} * 1024 * 1024 * static_cast<std::uint64_t>(round);
        REQUIRE(
            wait_until([&] { return !r->running() || io_of(r->pid()).written >= target; }, 60s));
        r->kill(SIGKILL);
        r->wait();
        s.proc->wait();
    }
    check_transfer(address, address);  // the same relay process still pairs and pipes
}

TEST_CASE("the default listen address is dual-stack", "[reach][e2e]") {
    process relay({ferry_binary(), "relay", "--listen", ":0"});
    const auto port = std::to_string(port_of(start_relay_binary(relay)));
    // The sender comes over IPv4, the receiver over IPv6, to the same relay.
    check_transfer("127.0.0.1:" + port, "[::1]:" + port);
}

TEST_CASE("a plain TCP forwarder in front of the relay (an ngrok stand-in)", "[reach][e2e]") {
    relay_fixture relay;
    const auto port = free_port();
    process socat({"/usr/bin/socat",
                   "TCP-LISTEN:" + std::to_string(port) + ",bind=127.0.0.1,fork,reuseaddr",
                   "TCP:" + relay.address()});
    REQUIRE(wait_for_port(port));  // socat prints nothing when it is ready
    const auto tunnel = "tcp://127.0.0.1:" + std::to_string(port);
    check_transfer(tunnel, tunnel);
    process check({ferry_binary(), "relay", "--check", tunnel});
    CHECK(check.wait() == 0);
    socat.kill(SIGTERM);
}

TEST_CASE("ferry relay --check tells whether a relay answers", "[reach][e2e]") {
    relay_fixture relay;
    process ok({ferry_binary(), "relay", "--check", relay.address()});
    CHECK(ok.wait() == 0);
    const auto out = ok.output();
    CHECK_THAT(out, Catch::Contains("answers: ferry-relay "));
    CHECK_THAT(out, Catch::Contains("round trip"));

    process closed(
        {ferry_binary(), "relay", "--check", "127.0.0.1:" + std::to_string(free_port())});
    CHECK(closed.wait() == 3);
    CHECK_THAT(closed.error_output(), Catch::Contains("cannot reach"));

    // Something that is not a ferry relay.
    asio::io_context io;
    tcp::acceptor impostor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    std::thread answer([&] {
        auto s = impostor.accept();
        const std::string banner = "SSH-2.0-OpenSSH_9.2\r\n";
        asio::write(s, asio::buffer(banner));
        // Open until the check has read the banner and hung up (bounded: SO_RCVTIMEO).
        const timeval limit{30, 0};
        ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        std::array<char, 256> ignored{};
        std::error_code ec;
        while (!ec)
            s.read_some(asio::buffer(ignored), ec);
    });
    process other({ferry_binary(), "relay", "--check",
                   "127.0.0.1:" + std::to_string(impostor.local_endpoint().port())});
    CHECK(other.wait() == 3);
    CHECK_THAT(other.error_output(),
               Catch::Contains("is not a ferry relay (it answered 'SSH-2.0-OpenSSH_9.2')"));
    answer.join();
}
