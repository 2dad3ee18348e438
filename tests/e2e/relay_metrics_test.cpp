// `ferry relay --metrics`: a real relay process, scraped over HTTP like Prometheus does, its text
// checked by the Prometheus client's own parser (tests/support/check_metrics.py) and its counters
// checked after a transfer, refused claims and timeouts.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "common/wire/bytes.hpp"
#include "common/wire/relay_frame.hpp"
#include "tests/support/helpers.hpp"
#include "tests/support/wait.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;
namespace rp = ferry::relay_proto;

namespace {

// The port at the end of a log line's "<prefix>127.0.0.1:PORT".
std::uint16_t port_after(const std::string& line, const std::string& prefix) {
    const auto at = line.find(prefix);
    REQUIRE(at != std::string::npos);
    const auto colon = line.find(':', at + prefix.size());
    return static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
}

struct relay_process {
    std::unique_ptr<process> proc;
    std::uint16_t port = 0;
    std::uint16_t metrics_port = 0;
    [[nodiscard]] std::string address() const { return "127.0.0.1:" + std::to_string(port); }
};

relay_process start_relay(const std::vector<std::string>& extra) {
    std::vector<std::string> args{ferry_binary(), "relay",     "--listen",
                                  "127.0.0.1:0",  "--metrics", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    relay_process r;
    r.proc = std::make_unique<process>(args);
    // The metrics line comes first: the endpoint opens before the relay starts accepting.
    r.metrics_port = port_after(r.proc->wait_for_error_line("metrics at", 20s), "http://");
    r.port = port_after(r.proc->wait_for_error_line("listening on", 20s), "listening on ");
    return r;
}

// One HTTP exchange: the whole response, read until the server closes.
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

// GET /metrics, parsed by the real parser: sample ("name{labels}") to value.
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

std::string ended(const std::string& outcome) {
    return "ferry_relay_sessions_ended_total{outcome=\"" + outcome + "\"}";
}

const std::string to_receiver = "ferry_relay_bytes_relayed_total{direction=\"sender_to_receiver\"}";
const std::string to_sender = "ferry_relay_bytes_relayed_total{direction=\"receiver_to_sender\"}";

std::uint8_t frame_type(raw_client& c) {
    return c.read_frame().first;
}

}  // namespace

TEST_CASE("the relay's metrics follow pairs as they run and end, and the parser takes them",
          "[relay][metrics][e2e]") {
    const auto relay = start_relay({});
    auto before = scrape(relay.metrics_port);
    CHECK(value(before, "ferry_relay_connections") == 0);
    CHECK(value(before, ended("completed")) == 0);
    CHECK(value(before, "ferry_relay_build_info{version=\"" FERRY_VERSION "\"}") == 1);
    CHECK(value(before, "process_resident_memory_bytes") > 0);

    raw_client sender(relay.port);
    sender.send(allocate_frame());
    const auto [type, payload] = sender.read_frame();
    REQUIRE(type == static_cast<std::uint8_t>(rp::frame_type::allocated));
    CHECK(value(scrape(relay.metrics_port), "ferry_relay_senders_waiting") == 1);

    raw_client receiver(relay.port);
    receiver.send(claim_frame(get_u32(payload.data())));
    REQUIRE(frame_type(receiver) == static_cast<std::uint8_t>(rp::frame_type::paired));
    REQUIRE(frame_type(sender) == static_cast<std::uint8_t>(rp::frame_type::paired));
    const std::vector<std::uint8_t> bytes(1000, 7);
    sender.send(bytes);
    std::size_t got = 0;
    while (got < bytes.size()) {
        const auto part = receiver.read_some(bytes.size() - got);
        REQUIRE(!part.empty());
        got += part.size();
    }
    // Bytes are counted as they go: the running pair's 1000 are there before it ends.
    REQUIRE(wait_until([&] { return value(scrape(relay.metrics_port), to_receiver) == 1000; }));
    auto running = scrape(relay.metrics_port);
    CHECK(value(running, "ferry_relay_pairs_active") == 1);
    CHECK(value(running, "ferry_relay_senders_waiting") == 0);
    CHECK(value(running, "ferry_relay_connections") == 2);
    CHECK(value(running, "ferry_relay_pairing_wait_seconds_count") == 1);

    receiver.send({1, 2, 3});
    sender.shutdown_send();
    receiver.shutdown_send();
    CHECK(sender.read_some(3).size() == 3);
    REQUIRE(wait_until([&] { return value(scrape(relay.metrics_port), ended("completed")) == 1; }));
    const auto after = scrape(relay.metrics_port);
    CHECK(value(after, to_receiver) == 1000);
    CHECK(value(after, to_sender) == 3);
    CHECK(value(after, "ferry_relay_pairs_active") == 0);
    CHECK(value(after, "ferry_relay_transfer_duration_seconds_count") == 1);
    CHECK(value(after, "ferry_relay_transfer_duration_seconds_bucket{le=\"+Inf\"}") == 1);
    CHECK(value(after, "ferry_relay_connections_accepted_total") >= 2);
}

TEST_CASE("the relay's metrics count a real transfer, refused claims and timeouts",
          "[relay][metrics][e2e]") {
    const auto relay = start_relay(
        {"--hello-timeout", "1s", "--sender-wait", "2s", "--failed-claims-per-minute", "2"});
    temp_dir in;
    temp_dir out;
    make_file(in.path / "report.bin", 1 << 20, 5);
    auto sender = start_sender(relay.address(), in.path / "report.bin");
    REQUIRE(!sender.code.empty());
    auto receiver = start_receiver(relay.address(), sender.code, out.path);
    REQUIRE(receiver->wait() == 0);
    REQUIRE(sender.proc->wait() == 0);
    CHECK(sha256_of(out.path / "report.bin") == sha256_of(in.path / "report.bin"));

    // Two claims of a nameplate nobody holds use up this address's failed claims; the third is
    // refused by that limit.
    for (int i = 0; i < 3; ++i) {
        raw_client guess(relay.port);
        guess.send(claim_frame(98765));
        CHECK(frame_type(guess) == static_cast<std::uint8_t>(rp::frame_type::error));
    }
    raw_client silent(relay.port);  // says nothing: the hello timeout
    CHECK(frame_type(silent) == static_cast<std::uint8_t>(rp::frame_type::error));
    raw_client lonely(relay.port);  // nobody comes: the sender wait
    lonely.send(allocate_frame());
    CHECK(frame_type(lonely) == static_cast<std::uint8_t>(rp::frame_type::allocated));
    CHECK(frame_type(lonely) == static_cast<std::uint8_t>(rp::frame_type::error));

    REQUIRE(wait_until([&] { return value(scrape(relay.metrics_port), ended("completed")) == 1; }));
    const auto m = scrape(relay.metrics_port);
    CHECK(value(m, to_receiver) > 1 << 20);  // the file, sealed, and the handshake
    CHECK(value(m, to_sender) > 0);
    CHECK(value(m, ended("unknown_nameplate")) == 2);
    CHECK(value(m, ended("refused_by_limit")) == 1);
    CHECK(value(m, "ferry_relay_refusals_total{limit=\"failed_claims\"}") == 1);
    CHECK(value(m, "ferry_relay_refusals_total{limit=\"sessions\"}") == 0);
    CHECK(value(m, ended("hello_timeout")) == 1);
    CHECK(value(m, ended("no_receiver")) == 1);
    CHECK(value(m, ended("bad_hello")) == 0);
    CHECK(value(m, "ferry_relay_pairing_wait_seconds_count") == 1);
    CHECK(value(m, "ferry_relay_connections_accepted_total") >= 7);
}

TEST_CASE("the metrics endpoint serves only GET /metrics, and a silent client holds nobody up",
          "[relay][metrics][e2e]") {
    const auto relay = start_relay({});
    raw_client silent(relay.metrics_port);  // connects and says nothing
    CHECK(http(relay.metrics_port, "GET / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 "));
    CHECK(http(relay.metrics_port, "POST /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405 "));
    CHECK(http(relay.metrics_port, "hello\r\n\r\n").starts_with("HTTP/1.1 400 "));
    const auto head = http(relay.metrics_port, "HEAD /metrics HTTP/1.1\r\n\r\n");
    CHECK(head.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(head.ends_with("\r\n\r\n"));
    CHECK(value(scrape(relay.metrics_port), "ferry_relay_connections") == 0);
    CHECK(silent.at_eof());  // cut after its 5 s
}
