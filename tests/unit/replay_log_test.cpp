// replay_log: the records a reconnect may have to send again, checked against a plain model
// (a list of the unacknowledged records) through random sends and acknowledgements.
#include <catch2/catch.hpp>

#include <deque>
#include <random>
#include <vector>

#include "common/session/replay_log.hpp"
#include "common/wire/wire_error.hpp"

using namespace ferry;

namespace {

constexpr std::size_t max_record = 100;

std::vector<std::uint8_t> bytes_of(std::size_t n, std::uint8_t fill) {
    return std::vector<std::uint8_t>(n, fill);
}

std::vector<std::uint8_t> as_vector(byte_span s) {
    return {s.begin(), s.end()};
}

}  // namespace

TEST_CASE("replay_log keeps what is not acknowledged and gives it back in order", "[session]") {
    replay_log log(1000, max_record);
    log.append(bytes_of(10, 1));
    auto room = log.room();
    std::fill_n(room.begin(), 20, std::uint8_t{2});
    log.commit(20);
    log.append(bytes_of(30, 3));
    CHECK(log.sent() == 3);
    CHECK(log.bytes_held() == 60);
    log.acknowledge(1);
    CHECK(log.acknowledged() == 1);
    CHECK(as_vector(log.record(1)) == bytes_of(20, 2));
    CHECK(as_vector(log.record(2)) == bytes_of(30, 3));
    CHECK_THROWS_AS(log.record(0), std::out_of_range);
    CHECK_THROWS_AS(log.acknowledge(0), wire_error);  // below an earlier count
    CHECK_THROWS_AS(log.acknowledge(4), wire_error);  // more than was sent
    log.acknowledge(3);
    CHECK(log.bytes_held() == 0);
    CHECK(log.has_room());
}

TEST_CASE("replay_log has no room once the window is full and room again once acknowledged",
          "[session]") {
    replay_log log(1000, max_record);
    std::size_t sent = 0;
    while (log.has_room()) {
        log.append(bytes_of(max_record, static_cast<std::uint8_t>(sent)));
        ++sent;
    }
    CHECK(sent == 10);
    CHECK_THROWS_AS(log.room(), std::logic_error);
    log.acknowledge(1);
    REQUIRE(log.has_room());
    log.append(bytes_of(max_record, 99));  // wraps to the start
    CHECK(as_vector(log.record(10)) == bytes_of(max_record, 99));
    CHECK(as_vector(log.record(1)) == bytes_of(max_record, 1));
}

TEST_CASE("room given before every record is acknowledged stays where it was", "[session]") {
    replay_log log(1000, max_record);
    log.append(bytes_of(50, 1));
    const auto room = log.room();
    log.acknowledge(1);  // the peer's ACK arrives while the next record is being read
    CHECK(log.room().data() == room.data());
    std::fill_n(room.begin(), 7, std::uint8_t{7});
    log.commit(7);
    CHECK(as_vector(log.record(1)) == bytes_of(7, 7));
}

TEST_CASE("replay_log matches a model through random sends and acknowledgements", "[session]") {
    const auto seed = GENERATE(1U, 2U, 3U, 4U, 5U, 6U, 7U, 8U);
    std::mt19937 random(seed);
    replay_log log(1000, max_record);
    std::deque<std::vector<std::uint8_t>> model;
    std::uint64_t acknowledged = 0;
    for (int step = 0; step < 5000; ++step) {
        if (log.has_room() && random() % 3 != 0) {
            const auto n = 1 + random() % max_record;
            const auto record = bytes_of(n, static_cast<std::uint8_t>(random()));
            log.append(record);
            model.push_back(record);
        } else if (!model.empty()) {
            const auto drop = random() % (model.size() + 1);
            acknowledged += drop;
            model.erase(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(drop));
            log.acknowledge(acknowledged);
        }
        REQUIRE(log.sent() == acknowledged + model.size());
        if (!model.empty()) {
            const auto pick = random() % model.size();
            REQUIRE(as_vector(log.record(acknowledged + pick)) == model[pick]);
        }
        std::size_t held = 0;
        for (const auto& r : model)
            held += r.size();
        REQUIRE(log.bytes_held() == held);
        // Room is refused only when the records held leave no whole record's space.
        if (!log.has_room()) REQUIRE(held > 1000 - 3 * max_record);
    }
}
