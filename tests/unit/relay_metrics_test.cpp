// The relay's metrics in process: the exposition text, the histograms, the HTTP request rules.
#include <catch2/catch.hpp>

#include <string>

#include "relay/metrics.hpp"
#include "relay/metrics_endpoint.hpp"

using namespace ferry::relay;
using namespace std::chrono_literals;

namespace {

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}

}  // namespace

TEST_CASE("a histogram's buckets are cumulative, with +Inf, sum and count", "[metrics]") {
    histogram h({0.1, 1, 10});
    h.observe(50ms);
    h.observe(100ms);  // on a bound: counted in that bucket (le is "less or equal")
    h.observe(2s);
    h.observe(1h);
    std::string out;
    h.render(out, "x_seconds");
    CHECK(out ==
          "x_seconds_bucket{le=\"0.1\"} 2\n"
          "x_seconds_bucket{le=\"1\"} 2\n"
          "x_seconds_bucket{le=\"10\"} 3\n"
          "x_seconds_bucket{le=\"+Inf\"} 4\n"
          "x_seconds_sum 3602.15\n"
          "x_seconds_count 4\n");
}

TEST_CASE("the exposition has every family with its help and type, and every label", "[metrics]") {
    relay_metrics m;
    const auto text = m.render({});
    for (const auto* family :
         {"ferry_relay_connections", "ferry_relay_senders_waiting", "ferry_relay_pairs_active",
          "ferry_relay_sessions_ended_total", "ferry_relay_refusals_total",
          "ferry_relay_bytes_relayed_total", "ferry_relay_pairing_wait_seconds",
          "ferry_relay_transfer_duration_seconds", "ferry_relay_build_info",
          "process_resident_memory_bytes"}) {
        INFO(family);
        CHECK(text.find(std::string("# HELP ") + family + " ") != std::string::npos);
        CHECK(text.find(std::string("# TYPE ") + family + " ") != std::string::npos);
    }
    for (std::size_t i = 0; i < static_cast<std::size_t>(outcome::count_); ++i) {
        const auto line = "ferry_relay_sessions_ended_total{outcome=\"" +
                          std::string(label(static_cast<outcome>(i))) + "\"} 0";
        INFO(line);
        CHECK(has_line(text, line));
    }
    for (std::size_t i = 0; i < static_cast<std::size_t>(limit::count_); ++i) {
        const auto line = "ferry_relay_refusals_total{limit=\"" +
                          std::string(label(static_cast<limit>(i))) + "\"} 0";
        INFO(line);
        CHECK(has_line(text, line));
    }
    CHECK(
        has_line(text, std::string("ferry_relay_build_info{version=\"") + FERRY_VERSION + "\"} 1"));
    CHECK(text.ends_with("\n"));
}

TEST_CASE("counters move with what the relay tells them, running pairs' bytes included",
          "[metrics]") {
    relay_metrics m;
    m.refused(limit::failed_claims);
    m.ended(outcome::unknown_nameplate);
    m.paired(300ms);
    m.pair_ended(1000, 20, 2s, outcome::completed);
    m.share_closed(share_end::idle);
    relay_gauges now;
    now.pairs_active = 1;
    now.running_sender_to_receiver = 5;
    const auto text = m.render(now);
    CHECK(has_line(text, "ferry_relay_refusals_total{limit=\"failed_claims\"} 1"));
    CHECK(has_line(text, "ferry_relay_sessions_ended_total{outcome=\"refused_by_limit\"} 1"));
    CHECK(has_line(text, "ferry_relay_sessions_ended_total{outcome=\"unknown_nameplate\"} 1"));
    CHECK(has_line(text, "ferry_relay_sessions_ended_total{outcome=\"completed\"} 1"));
    CHECK(has_line(text, "ferry_relay_bytes_relayed_total{direction=\"sender_to_receiver\"} 1005"));
    CHECK(has_line(text, "ferry_relay_bytes_relayed_total{direction=\"receiver_to_sender\"} 20"));
    CHECK(has_line(text, "ferry_relay_pairing_wait_seconds_bucket{le=\"0.5\"} 1"));
    CHECK(has_line(text, "ferry_relay_pairing_wait_seconds_bucket{le=\"0.1\"} 0"));
    CHECK(has_line(text, "ferry_relay_transfer_duration_seconds_count 1"));
    CHECK(has_line(text, "ferry_relay_shares_ended_total{reason=\"idle\"} 1"));
    CHECK(has_line(text, "ferry_relay_pairs_active 1"));
}

TEST_CASE("only GET and HEAD of /metrics are served", "[metrics]") {
    CHECK(judge_request("GET /metrics HTTP/1.1\r\nHost: relay\r\n\r\n") == http_verdict::metrics);
    CHECK(judge_request("GET /metrics?x=1 HTTP/1.0\r\n\r\n") == http_verdict::metrics);
    CHECK(judge_request("HEAD /metrics HTTP/1.1\r\n\r\n") == http_verdict::metrics_head);
    CHECK(judge_request("POST /metrics HTTP/1.1\r\n\r\n") == http_verdict::bad_method);
    CHECK(judge_request("GET / HTTP/1.1\r\n\r\n") == http_verdict::not_found);
    CHECK(judge_request("GET /metrics/../x HTTP/1.1\r\n\r\n") == http_verdict::not_found);
    CHECK(judge_request("GET /metrics\r\n\r\n") == http_verdict::bad_request);
    CHECK(judge_request("GET /metrics SPDY/3\r\n\r\n") == http_verdict::bad_request);
    CHECK(judge_request("GET  /metrics HTTP/1.1\r\n\r\n") == http_verdict::bad_request);
    CHECK(judge_request("") == http_verdict::bad_request);
    CHECK(judge_request("\x16\x03\x01 garbage") == http_verdict::bad_request);
}

TEST_CASE("a response says its length, and HEAD has the headers only", "[metrics]") {
    const auto get = http_response(http_verdict::metrics, "a 1\n");
    CHECK(get.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(get.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n") !=
          std::string::npos);
    CHECK(get.find("Content-Length: 4\r\n") != std::string::npos);
    CHECK(get.ends_with("\r\n\r\na 1\n"));
    const auto head = http_response(http_verdict::metrics_head, "a 1\n");
    CHECK(head.find("Content-Length: 4\r\n") != std::string::npos);
    CHECK(head.ends_with("\r\n\r\n"));
    const auto wrong = http_response(http_verdict::bad_method, "secret");
    CHECK(wrong.starts_with("HTTP/1.1 405 "));
    CHECK(wrong.find("Allow: GET, HEAD\r\n") != std::string::npos);
    CHECK(wrong.find("secret") == std::string::npos);
    CHECK(http_response(http_verdict::not_found, "").starts_with("HTTP/1.1 404 "));
}
