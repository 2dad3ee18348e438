// Nameplates are drawn from a CSPRNG (relay/system_random.hpp); scripts/lint checks that no
// seeded generator is left outside the tests. Here: the draws stay in range and are spread.
#include <catch2/catch.hpp>

#include <array>
#include <set>

#include "relay/pairing_table.hpp"
#include "relay/system_random.hpp"

using namespace ferry;
using namespace ferry::relay;

TEST_CASE("the system generator's 64-bit draws do not repeat", "[pairing][random]") {
    system_random a;
    system_random b;
    std::set<std::uint64_t> seen;
    for (int i = 0; i < 20'000; ++i) {  // past its 64-value buffer many times
        seen.insert(a());
        seen.insert(b());
    }
    CHECK(seen.size() == 40'000);
}

TEST_CASE("nameplates drawn again and again cover their whole range evenly", "[pairing][random]") {
    asio::io_context io;
    pairing_table table;
    const auto from = asio::ip::make_address("10.0.0.1");
    waiting_sender s(io.get_executor());
    std::array<std::size_t, 10> by_hundred{};  // 1-99, 100-199, ..., 900-999
    std::set<std::uint32_t> seen;
    constexpr std::size_t draws = 20'000;
    for (std::size_t i = 0; i < draws; ++i) {
        const auto n = table.allocate(s, from);  // released at once: every draw is free to repeat
        REQUIRE(n >= 1);
        REQUIRE(n <= 999);
        ++by_hundred.at(n / 100);
        seen.insert(n);
        table.release(n);
    }
    CHECK(seen.contains(1));
    CHECK(seen.contains(999));
    CHECK(seen.size() == 999);  // 20 draws each on average: one missed is about 1 in 10^6
    for (std::size_t i = 1; i < by_hundred.size(); ++i) {
        CHECK(by_hundred.at(i) > draws / 10 * 8 / 10);
        CHECK(by_hundred.at(i) < draws / 10 * 12 / 10);
    }
}

TEST_CASE("a cluster's candidate nameplates stay in their range and do not repeat",
          "[pairing][random]") {
    pairing_table table;
    std::set<std::uint32_t> seen;
    for (int round = 0; round < 10; ++round) {
        for (const auto n : table.candidates(6, 16)) {  // 100000000-999999999
            CHECK(n >= 100'000'000);
            CHECK(n <= 999'999'999);
            seen.insert(n);
        }
    }
    CHECK(seen.size() == 160);  // 160 draws out of 900 million: a repeat is about 1 in 70000
}

TEST_CASE("an embedded LAN relay's nameplates reach both ends of 1-99999", "[pairing][random]") {
    asio::io_context io;
    pairing_table table(99'999);
    const auto from = asio::ip::make_address("192.168.1.2");
    waiting_sender s(io.get_executor());
    std::uint32_t lowest = 99'999;
    std::uint32_t highest = 1;
    for (int i = 0; i < 20'000; ++i) {
        const auto n = table.allocate(s, from);
        REQUIRE(n >= 1);
        REQUIRE(n <= 99'999);
        lowest = std::min(lowest, n);
        highest = std::max(highest, n);
        table.release(n);
    }
    CHECK(lowest < 100);  // 20000 draws: missing the lowest 99 is about e^-20
    CHECK(highest > 99'900);
}
