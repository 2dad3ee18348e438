// `ferry relay --metrics`: a real relay process, scraped over HTTP like Prometheus does, its text
// checked by the Prometheus client's own parser (tests/support/check_metrics.py) and its counters
// checked after a transfer, refused claims and timeouts.
#include <catch2/catch.hpp>

#include <csignal>
#include <map>
#include <string>

#include "common/wire/bytes.hpp"
#include "common/wire/relay_frame.hpp"
#include "tests/support/helpers.hpp"
#include "tests/support/relay_process.hpp"
#include "tests/support/wait.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;
namespace rp = ferry::relay_proto;

namespace {

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

// Connections that never send a request, 4 from each of 8 other addresses, more opened before
// every scrape and the older ones kept open: the relay closes the surplus of each address and,
// when its places are full, the oldest still silent, so a scraper from 127.0.0.1 is always
// answered (each silent one at most 2 s later, by its head timeout).
TEST_CASE("idle connections from other addresses cannot shut a scraper out of the metrics",
          "[relay][metrics][e2e]") {
    const auto relay = start_relay({});
    std::vector<std::unique_ptr<raw_client>> idle;
    for (int round = 0; round < 5; ++round) {
        for (int host = 2; host < 10; ++host) {
            const auto source = "127.0.0." + std::to_string(host);
            for (int i = 0; i < 4; ++i)
                idle.push_back(std::make_unique<raw_client>(relay.metrics_port, source));
        }
        const auto response =
            http(relay.metrics_port, "GET /metrics HTTP/1.1\r\nHost: relay\r\n\r\n");
        INFO("round " << round);
        CHECK(response.starts_with("HTTP/1.1 200 OK\r\n"));
    }
    // One address holds at most 2 places: its third connection is closed at once, while its
    // first, older, is still there to be answered (without the cap the third would be closed
    // only by its head timeout, after the first's).
    std::vector<std::unique_ptr<raw_client>> mine;
    for (int i = 0; i < 3; ++i)
        mine.push_back(std::make_unique<raw_client>(relay.metrics_port, "127.0.0.20"));
    CHECK(mine[2]->at_eof());
    const std::string get = "GET /metrics HTTP/1.1\r\n\r\n";
    mine[0]->send(std::vector<std::uint8_t>(get.begin(), get.end()));
    std::string answer;
    for (auto part = mine[0]->read_some(4096); !part.empty(); part = mine[0]->read_some(4096))
        answer.append(part.begin(), part.end());
    CHECK(answer.starts_with("HTTP/1.1 200 OK\r\n"));
}

TEST_CASE("pairs that end before the key exchange completed are ended_early, not completed",
          "[relay][metrics][log][e2e]") {
    const auto relay = start_relay({});
    temp_dir in;
    temp_dir out;
    make_file(in.path / "a.bin", 1000);

    // A wrong code: the nameplate is right, the words are not.
    auto guessed = start_sender(relay.address(), in.path / "a.bin");
    REQUIRE(!guessed.code.empty());
    const auto nameplate = guessed.code.substr(0, guessed.code.find('-'));
    const auto words = guessed.code.substr(nameplate.size() + 1) == "crossover-clockwork"
                           ? "adroitness-absurd"
                           : "crossover-clockwork";
    auto wrong = start_receiver(relay.address(), nameplate + "-" + words, out.path);
    CHECK(wrong->wait() == 4);
    CHECK(guessed.proc->wait() == 4);

    // A receiver that leaves (Ctrl-C) right after pairing: it reads the sender's SPAKE2 record
    // and closes, before any record of the transfer.
    auto left = start_sender(relay.address(), in.path / "a.bin");
    REQUIRE(!left.code.empty());
    {
        raw_client receiver(relay.port);
        receiver.send(claim_frame(static_cast<std::uint32_t>(std::stoul(left.code))));
        REQUIRE(frame_type(receiver) == static_cast<std::uint8_t>(rp::frame_type::paired));
        std::size_t got = 0;
        while (got < 70) {
            const auto part = receiver.read_some(70 - got);
            REQUIRE(!part.empty());
            got += part.size();
        }
        receiver.shutdown_send();
        CHECK(receiver.at_eof());
    }
    CHECK(left.proc->wait() != 0);

    // The smallest transfer that works stays completed.
    auto text = start_sender(relay.address(), std::vector<fs::path>{}, {"--text", "hi"});
    REQUIRE(!text.code.empty());
    CHECK(start_receiver(relay.address(), text.code, out.path)->wait() == 0);
    CHECK(text.proc->wait() == 0);

    REQUIRE(wait_until([&] {
        const auto m = scrape(relay.metrics_port);
        return value(m, ended("ended_early")) + value(m, ended("completed")) == 3;
    }));
    const auto m = scrape(relay.metrics_port);
    CHECK(value(m, ended("ended_early")) == 2);
    CHECK(value(m, ended("completed")) == 1);
    CHECK(value(m, ended("connection_lost")) == 0);
    relay.proc->kill(SIGTERM);
    relay.proc->wait();
    const auto log = relay.proc->error_output();
    INFO(log);
    std::size_t early = 0;
    for (auto at = log.find("outcome=ended-early"); at != std::string::npos;
         at = log.find("outcome=ended-early", at + 1)) {
        ++early;
    }
    CHECK(early == 2);
}
