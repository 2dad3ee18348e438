#include <catch2/catch.hpp>

#include "common/net/address.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/units.hpp"

using namespace ferry;
using namespace std::chrono_literals;

TEST_CASE("relay addresses in every accepted form", "[address]") {
    auto hp = parse_host_port("relay.example.com:9009");
    CHECK(hp.host == "relay.example.com");
    CHECK(hp.port == 9009);
    hp = parse_host_port("tcp://0.tcp.sa.ngrok.io:12345");
    CHECK(hp.host == "0.tcp.sa.ngrok.io");
    CHECK(hp.port == 12345);
    hp = parse_host_port("[::1]:4000");
    CHECK(hp.host == "::1");
    CHECK(hp.port == 4000);
    CHECK(hp.text() == "[::1]:4000");
    hp = parse_host_port("tcp://[2001:db8::1]:80/");
    CHECK(hp.host == "2001:db8::1");
    CHECK(hp.port == 80);
    hp = parse_host_port("example.org");
    CHECK(hp.port == default_relay_port);
    hp = parse_host_port("::1");
    CHECK(hp.host == "::1");
    CHECK(hp.port == default_relay_port);
    CHECK(parse_host_port("[fe80::1]").port == default_relay_port);
}

TEST_CASE("bad relay addresses are usage errors", "[address]") {
    for (const char* bad : {"", "host:", "host:0", "host:65536", "host:12ab", ":9009", "[::1",
                            "[]:80", "[::1]x", "http://host:80", "ho st:80", "tcp://"}) {
        INFO(bad);
        try {
            parse_host_port(bad);
            FAIL("accepted");
        } catch (const failure& f) {
            CHECK(f.code() == exit_code::usage);
        }
    }
}

TEST_CASE("durations and sizes parse", "[units]") {
    CHECK(parse_duration("10") == 10s);
    CHECK(parse_duration("10s") == 10s);
    CHECK(parse_duration("250ms") == 250ms);
    CHECK(parse_duration("5m") == 5min);
    CHECK(parse_duration("2h") == 2h);
    for (const char* bad : {"", "s", "10x", "-1s", "1.5s", "99999999999999999999h"}) {
        INFO(bad);
        CHECK_THROWS_AS(parse_duration(bad), failure);
    }
    CHECK(parse_size("65536") == 65536);
    CHECK(parse_size("64K") == 65536);
    CHECK(parse_size("10M") == 10 * 1024 * 1024);
    CHECK(parse_size("1G") == 1024ULL * 1024 * 1024);
    for (const char* bad : {"", "K", "10Q", "99999999999999999999G"}) {
        INFO(bad);
        CHECK_THROWS_AS(parse_size(bad), failure);
    }
}

TEST_CASE("sizes rates and times print for people", "[units][progress]") {
    CHECK(format_size(0) == "0 B");
    CHECK(format_size(1023) == "1023 B");
    CHECK(format_size(1024) == "1.00 KiB");
    CHECK(format_size(13002342) == "12.4 MiB");
    CHECK(format_size(512ULL * 1024 * 1024) == "512 MiB");
    CHECK(format_size(1ULL << 40) == "1.00 TiB");
    CHECK(format_rate(0) == "0 B/s");
    CHECK(format_rate(512.0 * 1024 * 1024) == "512 MiB/s");
    CHECK(format_eta(3s) == "0:03");
    CHECK(format_eta(62s) == "1:02");
    CHECK(format_eta(3723s) == "1:02:03");
    CHECK(format_eta(-5s) == "0:00");
}

TEST_CASE("durations read as a person writes them: 5 s, 1 min 30 s, 30 min", "[units]") {
    CHECK(format_duration(0ms) == "0 s");
    CHECK(format_duration(250ms) == "0.25 s");
    CHECK(format_duration(1ms) == "0.001 s");
    CHECK(format_duration(1230ms) == "1.23 s");
    CHECK(format_duration(1500ms) == "1.5 s");
    CHECK(format_duration(5000ms) == "5 s");
    CHECK(format_duration(10'000ms) == "10 s");
    CHECK(format_duration(30'400ms) == "30 s");
    CHECK(format_duration(59'700ms) == "1 min");
    CHECK(format_duration(90'000ms) == "1 min 30 s");
    CHECK(format_duration(243'000ms) == "4 min 3 s");
    CHECK(format_duration(30min) == "30 min");
    CHECK(format_duration(24h) == "24 h");
    CHECK(format_duration(2h + 5min) == "2 h 5 min");
    CHECK(format_duration(-5ms) == "0 s");
}

TEST_CASE("counts take the plural only when they are not one", "[units]") {
    CHECK(plural(0, "word") == "0 words");
    CHECK(plural(1, "word") == "1 word");
    CHECK(plural(2, "byte") == "2 bytes");
    CHECK(plural(1204, "file") == "1,204 files");
    CHECK(plural(2, "entry", "entries") == "2 entries");
    CHECK(plural(1, "entry", "entries") == "1 entry");
    CHECK(grouped(0) == "0");
    CHECK(grouped(999) == "999");
    CHECK(grouped(1000) == "1,000");
    CHECK(grouped(1234567) == "1,234,567");
}
