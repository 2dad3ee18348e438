#include <catch2/catch.hpp>

#include <signal.h>

#include <set>

#include "common/net/address.hpp"
#include "relay/pairing_table.hpp"
#include "relay/reconnect_table.hpp"
#include "relay/server.hpp"
#include "relay/share.hpp"

using namespace ferry;
using namespace ferry::relay;

TEST_CASE("nameplates: random small unique growing only when full", "[pairing]") {
    asio::io_context io;
    pairing_table table;
    const auto a = asio::ip::make_address("10.0.0.1");
    const auto b = asio::ip::make_address("10.0.0.2");
    std::vector<std::unique_ptr<waiting_sender>> senders;
    std::set<std::uint32_t> seen;
    for (int i = 0; i < 999; ++i) {
        senders.push_back(std::make_unique<waiting_sender>(io.get_executor()));
        const auto n = table.allocate(*senders.back(), i % 2 == 0 ? a : b);
        CHECK(n >= 1);
        CHECK(n <= 999);
        seen.insert(n);
    }
    CHECK(seen.size() == 999);
    CHECK(table.sessions() == 999);
    CHECK(table.waiting_from(a) == 500);
    CHECK(table.waiting_from(b) == 499);
    senders.push_back(std::make_unique<waiting_sender>(io.get_executor()));
    const auto big = table.allocate(*senders.back(), a);
    CHECK(big >= 1000);
    CHECK(big <= 9999);
    table.release(big);
    table.release(500);
    senders.push_back(std::make_unique<waiting_sender>(io.get_executor()));
    CHECK(table.allocate(*senders.back(), a) == 500);
}

TEST_CASE("claims: unknown then ok once then taken and release frees", "[pairing]") {
    asio::io_context io;
    pairing_table table;
    const auto a = asio::ip::make_address("::1");
    waiting_sender s(io.get_executor());
    const auto n = table.allocate(s, a);
    CHECK(table.claim(n + 1000).status == pairing_table::claim_status::unknown);
    const auto first = table.claim(n);
    CHECK(first.status == pairing_table::claim_status::ok);
    CHECK(first.sender == &s);
    CHECK(table.waiting_from(a) == 0);  // paired, no longer waiting
    CHECK(table.sessions() == 1);
    CHECK(table.claim(n).status == pairing_table::claim_status::taken);
    table.release(n);
    CHECK(table.sessions() == 0);
    CHECK(table.claim(n).status == pairing_table::claim_status::unknown);
}

TEST_CASE("a share's nameplate answers every claim and stays waiting until released",
          "[pairing][share]") {
    asio::io_context io;
    pairing_table table;
    const auto a = asio::ip::make_address("10.0.0.1");
    share hosted(io.get_executor());
    waiting_sender plain(io.get_executor());
    const auto n = table.allocate(hosted, a);
    const auto m = table.allocate(plain, a);
    CHECK(n != m);
    CHECK(table.waiting_from(a) == 2);
    for (int i = 0; i < 3; ++i) {
        const auto claimed = table.claim(n);
        CHECK(claimed.status == pairing_table::claim_status::share);
        CHECK(claimed.host == &hosted);
        CHECK(claimed.sender == nullptr);
    }
    CHECK(table.waiting_from(a) == 2);  // a share counts as one waiting sender while open
    CHECK(table.find_share(n) == &hosted);
    CHECK(table.find_share(m) == nullptr);
    CHECK(table.find_share(n + m + 1000) == nullptr);
    CHECK(table.claim(m).status == pairing_table::claim_status::ok);
    table.release(n);
    CHECK(table.waiting_from(a) == 0);
    CHECK(table.sessions() == 1);
    CHECK(table.claim(n).status == pairing_table::claim_status::unknown);
    CHECK(table.find_share(n) == nullptr);
}

TEST_CASE("cli listen forms", "[relay]") {
    CHECK(listen_endpoint("9009").port() == 9009);
    CHECK(listen_endpoint(":9009").address().is_unspecified());
    CHECK(listen_endpoint("[::]:9009").address().is_v6());
    CHECK(listen_endpoint("127.0.0.1:0").address().to_string() == "127.0.0.1");
    CHECK(listen_endpoint("[::1]:1").address().to_string() == "::1");
    CHECK(listen_endpoint("localhost:9009").address().to_string() == "127.0.0.1");
    CHECK(listen_endpoint("localhost:9009").port() == 9009);
    CHECK_THROWS(listen_endpoint("example.org:9009"));
}

TEST_CASE("a bare --metrics port listens on loopback only", "[relay]") {
    const auto loopback = asio::ip::address_v4::loopback();
    CHECK(listen_endpoint("9102", "--metrics", loopback).address().to_string() == "127.0.0.1");
    CHECK(listen_endpoint(":9102", "--metrics", loopback).port() == 9102);
    CHECK(listen_endpoint("[::]:9102", "--metrics", loopback).address().is_unspecified());
}

TEST_CASE("an address error names the option it came from", "[relay]") {
    CHECK_THROWS_WITH(listen_endpoint("example.org:9101", "--metrics"),
                      "--metrics needs an IP address or localhost, not 'example.org'");
}

TEST_CASE("a relay ignores SIGPIPE so a write to a vanished peer is only an EPIPE", "[relay]") {
    // splice(2) takes no MSG_NOSIGNAL: without this a pair could end the whole relay.
    struct sigaction previous {};
    ::signal(SIGPIPE, SIG_DFL);
    asio::io_context io;
    const server s(io.get_executor(), tcp::endpoint(asio::ip::address_v4::loopback(), 0), limits{});
    ::sigaction(SIGPIPE, nullptr, &previous);
    CHECK(previous.sa_handler == SIG_IGN);  // NOLINT: the handler union of sigaction
}

TEST_CASE("a reconnect drops its side of its session's running pair, once", "[pairing]") {
    reconnect_table table;
    reconnect_table::id session{};
    session[0] = 7;
    reconnect_table::id other{};
    other[0] = 8;
    std::vector<relay_proto::role> dropped;
    const int old_pair = 0;
    const int new_pair = 0;
    table.pair_running(session, &old_pair,
                       [&](relay_proto::role side) { dropped.push_back(side); });
    CHECK_FALSE(table.end_running(other, relay_proto::role::sender));
    CHECK(dropped.empty());
    CHECK(table.end_running(session, relay_proto::role::receiver));
    CHECK(dropped == std::vector<relay_proto::role>{relay_proto::role::receiver});
    CHECK_FALSE(table.end_running(session, relay_proto::role::sender));  // already dropped
    table.pair_running(session, &new_pair,
                       [&](relay_proto::role side) { dropped.push_back(side); });
    table.pair_ended(session, &old_pair);  // the old pair's end, late: the new hook stays
    CHECK(table.end_running(session, relay_proto::role::sender));
    CHECK(dropped.size() == 2);
    table.pair_running(session, &new_pair,
                       [&](relay_proto::role side) { dropped.push_back(side); });
    table.pair_ended(session, &new_pair);  // the pair ended by itself: nothing left to drop
    CHECK_FALSE(table.end_running(session, relay_proto::role::sender));
    CHECK(dropped.size() == 2);
}

TEST_CASE("an ended share's nameplate is quarantined: no claim finds it, no one is given it",
          "[pairing]") {
    asio::io_context io;
    pairing_table table(1);  // the first range is nameplate 1 alone
    const auto from = asio::ip::make_address("10.0.0.1");
    share hosted(io.get_executor());
    REQUIRE(table.allocate(hosted, from) == 1);
    table.quarantine(1, clock::now() + std::chrono::hours(1));
    CHECK(table.sessions() == 0);
    CHECK(table.waiting_from(from) == 0);
    CHECK(table.find_share(1) == nullptr);
    CHECK(table.claim(1).status == pairing_table::claim_status::unknown);
    waiting_sender next(io.get_executor());
    CHECK(table.allocate(next, from) != 1);  // the next range, though 1 has no sender
    share again(io.get_executor());
    CHECK(table.allocate(again, from) != 1);
    CHECK(table.candidates(0, 1).empty());
}

TEST_CASE("a quarantine ends: the nameplate is free again", "[pairing]") {
    asio::io_context io;
    pairing_table table(1);
    const auto from = asio::ip::make_address("10.0.0.1");
    share hosted(io.get_executor());
    REQUIRE(table.allocate(hosted, from) == 1);
    table.quarantine(1, clock::now() - std::chrono::seconds(1));
    waiting_sender next(io.get_executor());
    CHECK(table.allocate(next, from) == 1);
    CHECK(table.sessions() == 1);
}

TEST_CASE("a pair's nameplate is kept for its sender's REOPEN, and only for it",
          "[pairing][reopen]") {
    using namespace std::chrono_literals;
    asio::io_context io;
    pairing_table table(999, 30s);
    const auto a = asio::ip::make_address("10.0.0.1");
    const auto b = asio::ip::make_address("10.0.0.2");
    waiting_sender first(io.get_executor());
    waiting_sender again(io.get_executor());
    const auto n = table.allocate(first, a);
    using status = pairing_table::reopen_status;
    // Waiting, not paired yet: nothing to reopen.
    CHECK(table.reopen(n, again, a) == status::taken);
    CHECK(table.claim(n).status == pairing_table::claim_status::ok);
    // Paired: the sender's REOPEN came before the pair's end; another address's is refused.
    CHECK(table.reopen(n, again, a) == status::ending);
    CHECK(table.reopen(n, again, b) == status::taken);
    const auto t0 = clock::now();
    table.release(n, t0);
    CHECK(table.sessions() == 0);
    CHECK(table.claim(n).status == pairing_table::claim_status::unknown);
    CHECK(table.reopen(n, again, b, t0) == status::taken);
    // A new sender is never given the kept nameplate.
    std::vector<std::unique_ptr<waiting_sender>> others;
    for (int i = 0; i < 998; ++i) {
        others.push_back(std::make_unique<waiting_sender>(io.get_executor()));
        CHECK(table.allocate(*others.back(), b) != n);
    }
    for (auto nameplate = 1U; nameplate <= 999; ++nameplate) {
        if (nameplate != n) table.release(nameplate);
    }
    CHECK(table.reopen(n, again, a, t0 + 10s) == status::ok);
    CHECK(table.waiting_from(a) == 1);
    CHECK(table.sessions() == 1);
    const auto second = table.claim(n);
    CHECK(second.status == pairing_table::claim_status::ok);
    CHECK(second.sender == &again);
    // Kept for 30 s only.
    table.release(n, t0);
    CHECK(table.reopen(n, again, a, t0 + 31s) == status::unknown);
    CHECK(table.reopen(n + 1000, again, a) == status::unknown);
}

TEST_CASE("a REOPEN waiting for the pair's end is woken by it", "[pairing][reopen]") {
    asio::io_context io;
    pairing_table table;
    const auto a = asio::ip::make_address("10.0.0.1");
    waiting_sender first(io.get_executor());
    const auto n = table.allocate(first, a);
    REQUIRE(table.claim(n).status == pairing_table::claim_status::ok);
    asio::steady_timer wake(io.get_executor());
    wake.expires_after(std::chrono::hours(1));
    bool woke = false;
    wake.async_wait(
        [&](const std::error_code& ec) { woke = ec == asio::error::operation_aborted; });
    table.watch(n, wake);
    table.release(n);
    io.run();
    CHECK(woke);
    table.unwatch(n);
}
