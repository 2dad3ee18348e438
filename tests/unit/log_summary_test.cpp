// relay::log_summary step by step, with the time passed in.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "relay/log_summary.hpp"

using namespace ferry;
using namespace ferry::relay;
using namespace std::chrono_literals;

namespace {

const auto t0 = clock::time_point{} + 1h;

// The events a line stands for: 1 for an event's own line, the leading total for a summary.
std::uint64_t events_in(const std::string& line) {
    if (line.starts_with("own ")) return 1;
    return std::stoull(line);
}

}  // namespace

TEST_CASE("log summary: the first event at once and the rest counted until the interval ends",
          "[log_summary]") {
    log_summary s("bad hellos", 10s);
    CHECK(!s.due());
    CHECK(s.note("bad hello", "a:1: bad magic", "own a", t0) == "own a");
    CHECK(!s.due());  // nothing counted yet
    CHECK(!s.note("no hello in time", "b:2", "own b", t0 + 1s));
    CHECK(!s.note("bad hello", "c:3: bad version", "own c", t0 + 2s));
    CHECK(!s.note("bad hello", "d:4: bad magic", "own d", t0 + 9s));
    CHECK(s.due() == t0 + 10s);
    CHECK(!s.flush(t0 + 9999ms));
    CHECK(s.flush(t0 + 10s) ==
          "3 bad hellos in 10 s: 1 no hello in time, 2 bad hello (latest: d:4: bad magic)");
    CHECK(!s.due());
    CHECK(!s.flush(t0 + 10s));  // told once

    SECTION("a flood goes on: one summary per interval") {
        CHECK(!s.note("bad hello", "e:5: bad magic", "own e", t0 + 12s));
        CHECK(s.due() == t0 + 20s);
        CHECK(s.flush(t0 + 20s) == "1 bad hellos in 10 s: 1 bad hello (latest: e:5: bad magic)");
    }
    SECTION("after a quiet interval the next event is logged on its own again") {
        CHECK(!s.flush(t0 + 20s));
        CHECK(s.note("bad hello", "f:6: bad magic", "own f", t0 + 25s) == "own f");
    }
    SECTION("an event after the end of an interval whose summary is not out yet") {
        CHECK(!s.note("bad hello", "g:7: x", "own g", t0 + 11s));
        // The timer is late: the event brings the summary out, and counts in the next one.
        CHECK(s.note("no hello in time", "h:8", "own h", t0 + 23s) ==
              "1 bad hellos in 13 s: 1 bad hello (latest: g:7: x)");
        CHECK(s.due() == t0 + 33s);
        CHECK(s.flush(t0 + 33s) == "1 bad hellos in 10 s: 1 no hello in time (latest: h:8)");
    }
}

TEST_CASE("log summary: drain tells what is counted at once", "[log_summary]") {
    log_summary s("refused connections", 10s);
    CHECK(!s.drain(t0));
    CHECK(s.note("over the total limit", "a:1", "own a", t0) == "own a");
    CHECK(!s.drain(t0 + 1s));  // the first was told on its own
    CHECK(!s.note("over the per-address limit", "b:2", "own b", t0 + 1s));
    CHECK(s.drain(t0 + 2s) ==
          "1 refused connections in 2 s: 1 over the per-address limit (latest: b:2)");
    CHECK(!s.due());
}

TEST_CASE("log summary: 12900 bad hellos in 95 s make a dozen lines that count them all",
          "[log_summary]") {
    log_summary s("bad hellos", 10s);
    std::vector<std::string> lines;
    const auto keep = [&](std::optional<std::string> line) {
        if (line) lines.push_back(*line);
    };
    auto now = t0;
    for (int i = 0; i < 12'900; ++i) {
        now += 7366us;                                                          // 12,900 in 95 s
        if (const auto due = s.due(); due && *due <= now) keep(s.flush(*due));  // the timer
        keep(s.note(i % 3 == 0 ? "no hello in time" : "bad hello", "x", "own x", now));
    }
    keep(s.flush(*s.due()));
    std::uint64_t told = 0;
    for (const auto& line : lines)
        told += events_in(line);
    CHECK(told == 12'900);
    CHECK(lines.size() <= 11);  // the first on its own, then one per 10 s
    CHECK(lines.size() >= 10);
}
