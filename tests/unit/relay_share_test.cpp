// The share object of the relay: its guests (receivers waiting for their JOIN), tickets, ARRIVED
// queue and what its end does to the guests.
#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <set>

#include "relay/share.hpp"

using namespace ferry;
using namespace ferry::relay;

TEST_CASE("share guests get distinct tickets and one ARRIVED each in order", "[share]") {
    asio::io_context io;
    share hosted(io.get_executor());
    std::vector<std::unique_ptr<waiting_sender>> waiting;
    std::vector<std::unique_ptr<share_guest>> guests;
    std::set<share_ticket> tickets;
    for (int i = 0; i < 3; ++i) {
        waiting.push_back(std::make_unique<waiting_sender>(io.get_executor()));
        guests.push_back(
            std::make_unique<share_guest>(hosted, *waiting.back(), "10.0.0." + std::to_string(i)));
        tickets.insert(guests.back()->ticket());
    }
    CHECK(tickets.size() == 3);
    CHECK(hosted.waiting() == 3);
    for (int i = 0; i < 3; ++i) {
        const auto next = hosted.next_arrival();
        REQUIRE(next);
        CHECK(next->ticket == guests[static_cast<std::size_t>(i)]->ticket());
        CHECK(next->address == "10.0.0." + std::to_string(i));
    }
    CHECK_FALSE(hosted.next_arrival());
}

TEST_CASE("a share ticket is single use and a guest gone leaves no trace", "[share]") {
    asio::io_context io;
    share hosted(io.get_executor());
    waiting_sender first(io.get_executor());
    waiting_sender second(io.get_executor());
    share_guest kept(hosted, first, "a");
    std::optional<share_guest> gone(std::in_place, hosted, second, "b");
    const auto gone_ticket = gone->ticket();
    gone.reset();
    CHECK(hosted.waiting() == 1);
    // The ARRIVED of a receiver that left is not written.
    const auto next = hosted.next_arrival();
    REQUIRE(next);
    CHECK(next->ticket == kept.ticket());
    CHECK_FALSE(hosted.next_arrival());
    CHECK(hosted.take(gone_ticket) == nullptr);
    CHECK(hosted.take(kept.ticket()) == &first);
    CHECK(hosted.take(kept.ticket()) == nullptr);
    CHECK(hosted.waiting() == 0);
    hosted.end();
    CHECK_FALSE(kept.share_ended());  // taken by its JOIN: independent of the share
}

TEST_CASE("the end of a share refuses its waiting guests and wakes them", "[share]") {
    asio::io_context io;
    waiting_sender waiting(io.get_executor());
    waiting.wake.expires_after(std::chrono::hours(1));
    bool woke = false;
    waiting.wake.async_wait([&](std::error_code) { woke = true; });
    std::optional<share_guest> guest;
    {
        share hosted(io.get_executor());
        guest.emplace(hosted, waiting, "a");
        hosted.stop();
        CHECK(hosted.stopping());
    }  // the share ends with its frame
    CHECK(guest->share_ended());
    io.run_for(std::chrono::seconds(5));
    CHECK(woke);
    guest->leave();  // the share is gone: nothing to leave, nothing touched
    CHECK(describe(share_end::time_limit) == "time-limit");
}
