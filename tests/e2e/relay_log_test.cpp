// What the relay logs under a flood, read from a sink of its own: bad hellos and refused
// connections are summarised, and a burst is told when its interval ends.
#include <catch2/catch.hpp>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/wire/bytes.hpp"
#include "common/wire/relay_frame.hpp"
#include "tests/support/helpers.hpp"
#include "tests/support/wait.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;
namespace rp = ferry::relay_proto;

namespace {

class capture_sink : public spdlog::sinks::base_sink<std::mutex> {
  public:
    std::vector<std::string> lines() {
        std::lock_guard lock(mutex_);
        return lines_;
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        lines_.emplace_back(msg.payload.data(), msg.payload.size());
    }
    void flush_() override {}

  private:
    std::vector<std::string> lines_;
};

// While it lives, every log line at info and above goes to `sink` instead of stderr.
class captured_log {
  public:
    captured_log() : saved_(spdlog::default_logger()) {
        auto logger = std::make_shared<spdlog::logger>("captured", sink);
        logger->set_level(spdlog::level::info);
        spdlog::set_default_logger(logger);
    }
    ~captured_log() { spdlog::set_default_logger(saved_); }
    captured_log(const captured_log&) = delete;
    captured_log& operator=(const captured_log&) = delete;

    std::shared_ptr<capture_sink> sink = std::make_shared<capture_sink>();

  private:
    std::shared_ptr<spdlog::logger> saved_;
};

// The events the lines tell of: a summary ("<n> <subject> in ...") n, another line with `own` in
// it (an event's line of its own) 1.
struct told {
    std::size_t lines = 0;
    std::uint64_t events = 0;
};
told count(const std::vector<std::string>& lines, const std::string& own,
           const std::string& subject) {
    told t;
    for (const auto& line : lines) {
        if (const auto at = line.find(" " + subject + " in "); at != std::string::npos) {
            ++t.lines;
            t.events += std::stoull(line.substr(0, at));
        } else if (line.find(own) != std::string::npos) {
            ++t.lines;
            ++t.events;
        }
    }
    return t;
}

// Waits (bounded) until the lines tell of `n` events.
told wait_for_events(capture_sink& sink, std::uint64_t n, const std::string& own,
                     const std::string& subject) {
    told t;
    wait_until(
        [&] {
            t = count(sink.lines(), own, subject);
            return t.events >= n;
        },
        10s);
    return t;
}

void expect_error(raw_client& c, rp::error_code code) {
    const auto [type, payload] = c.read_frame();
    REQUIRE(type == static_cast<std::uint8_t>(rp::frame_type::error));
    REQUIRE(!payload.empty());
    CHECK(payload[0] == static_cast<std::uint8_t>(code));
}

const std::vector<std::uint8_t> garbage{'G', 'E', 'T', ' ', '/', ' ', 'H', 'T'};

}  // namespace

TEST_CASE("a flood of bad hellos makes two lines that count them all", "[relay][log][e2e]") {
    captured_log log;
    constexpr int n = 40;
    {
        auto limits = relay_fixture::fast_limits();
        limits.hello_timeout = 300ms;
        limits.log_interval = 1h;  // no summary until the relay stops
        relay_fixture relay(limits);
        std::vector<std::unique_ptr<raw_client>> clients;
        for (int i = 0; i < n; ++i) {
            clients.push_back(std::make_unique<raw_client>(relay.port()));
            switch (i % 4) {
                case 0:
                    clients.back()->send(garbage);
                    break;
                case 1:
                    clients.back()->send({'F', 'R', 'L', 'Y', 2, 1, 0, 0});  // wrong version
                    break;
                case 2:
                    clients.back()->send({'F', 'R', 'L'});
                    clients.back()->shutdown_send();
                    break;
                default:  // silence
                    break;
            }
        }
        for (std::size_t i = 0; i < clients.size(); ++i) {
            expect_error(*clients[i],
                         i % 4 == 3 ? rp::error_code::hello_timeout : rp::error_code::bad_hello);
        }
        // Every one was refused, and noted before its refusal was sent: one line so far.
        const auto running = count(log.sink->lines(), "hello", "bad hellos");
        CHECK(running.lines == 1);
        CHECK(running.events == 1);
    }
    // Stopping tells the rest.
    const auto lines = log.sink->lines();
    const auto stopped = count(lines, "hello", "bad hellos");
    INFO(fmt::format("{}", fmt::join(lines, "\n")));
    CHECK(stopped.lines == 2);
    CHECK(stopped.events == n);
}

TEST_CASE("a burst is told when its interval ends without a later event", "[relay][log][e2e]") {
    captured_log log;
    auto limits = relay_fixture::fast_limits();
    limits.hello_timeout = 30s;
    limits.log_interval = 200ms;
    constexpr int n = 25;
    SECTION("connections refused over the per-address limit") {
        limits.max_connections_per_address = 1;
        relay_fixture relay(limits);
        raw_client holder(relay.port());  // the one connection allowed: a waiting sender
        holder.send(allocate_frame());
        REQUIRE(holder.read_frame().first == static_cast<std::uint8_t>(rp::frame_type::allocated));
        for (int i = 0; i < n; ++i) {
            raw_client refused(relay.port());
            expect_error(refused, rp::error_code::relay_full);
        }
        const auto t = wait_for_events(*log.sink, n, ": refused: over the", "refused connections");
        INFO(fmt::format("{}", fmt::join(log.sink->lines(), "\n")));
        CHECK(t.events == n);
    }
    SECTION("bad hellos") {
        relay_fixture relay(limits);
        for (int i = 0; i < n; ++i) {
            raw_client bad(relay.port());
            bad.send(garbage);
            expect_error(bad, rp::error_code::bad_hello);
        }
        const auto t = wait_for_events(*log.sink, n, ": bad hello: ", "bad hellos");
        INFO(fmt::format("{}", fmt::join(log.sink->lines(), "\n")));
        CHECK(t.events == n);
    }
}

TEST_CASE("a share logs its opening and each pair and its end", "[relay][log][share][e2e]") {
    captured_log log;
    relay_fixture relay;
    raw_client control(relay.port());
    control.send(share_frame());
    const auto [type, payload] = control.read_frame();
    REQUIRE(type == static_cast<std::uint8_t>(rp::frame_type::allocated));
    const auto nameplate = get_u32(payload.data());
    {
        raw_client receiver(relay.port(), "127.0.0.2");
        receiver.send(claim_frame(nameplate));
        const auto [arrived, body] = control.read_frame();
        REQUIRE(arrived == static_cast<std::uint8_t>(rp::frame_type::arrived));
        REQUIRE(body.size() >= 16);
        std::array<std::uint8_t, 16> ticket{};
        std::copy(body.begin(), body.begin() + 16, ticket.begin());
        raw_client data(relay.port());
        data.send(join_frame(nameplate, ticket));
        CHECK(receiver.read_frame().first == static_cast<std::uint8_t>(rp::frame_type::paired));
        CHECK(data.read_frame().first == static_cast<std::uint8_t>(rp::frame_type::paired));
        data.shutdown_send();
        receiver.shutdown_send();
        CHECK(receiver.at_eof());
        CHECK(data.at_eof());
    }
    control.shutdown_send();
    CHECK(control.at_eof());
    const auto share = fmt::format("share nameplate={} sender=127.0.0.1:", nameplate);
    const auto session = fmt::format("session share={} sender=127.0.0.1:", nameplate);
    const auto has = [&](const std::string& start, const std::string& part) {
        const auto lines = log.sink->lines();
        return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
            return line.starts_with(start) && line.find(part) != std::string::npos;
        });
    };
    // The pair and the share end each on its own, in either order. The pair moved no byte: it
    // ended in order before any key exchange, which the relay tells apart (ended-early).
    REQUIRE(wait_until([&] {
        return has(share, " closed pairs=1 outcome=sender-left") &&
               has(session, " outcome=ended-early");
    }));
    INFO(fmt::format("{}", fmt::join(log.sink->lines(), "\n")));
    CHECK(has(share, " opened"));
    CHECK(has(session, " receiver=127.0.0.2:"));
}
