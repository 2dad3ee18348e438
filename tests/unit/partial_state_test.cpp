// The state file of a partial transfer (docs/protocol.md §4): exactly its bytes, and anything
// else, a truncated, lengthened or altered file, is no state at all (a fresh start).
#include <catch2/catch.hpp>

#include <vector>

#include "receiver/partial_state.hpp"

using namespace ferry;
using namespace ferry::receiver;

namespace {

partial_state example() {
    partial_state s;
    s.id = transfer_id_of(msg::offer{0, 12, "report.pdf"});
    s.durable = 0x0102030405060708ULL;
    const std::string boot = "0d2f6a43-5c1e-4b8e-9f2a-7f8e1a2b3c4d";
    std::copy(boot.begin(), boot.end(), s.boot.begin());
    return s;
}

}  // namespace

TEST_CASE("a state file round-trips with the documented layout", "[partial]") {
    const auto s = example();
    const auto bytes = encode_state(s);
    REQUIRE(bytes.size() == 113);
    CHECK(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 5) ==
          std::vector<std::uint8_t>{'F', 'R', 'P', 'S', 1});
    CHECK(std::equal(s.id.begin(), s.id.end(), bytes.begin() + 5));
    CHECK(get_u64(bytes.data() + 37) == s.durable);
    CHECK(std::equal(s.boot.begin(), s.boot.end(), bytes.begin() + 45));
    const auto back = decode_state(bytes);
    REQUIRE(back);
    CHECK(back->id == s.id);
    CHECK(back->durable == s.durable);
    CHECK(back->boot == s.boot);
}

TEST_CASE("every truncation and every extra byte of a state file is refused", "[partial]") {
    const auto bytes = encode_state(example());
    for (std::size_t len = 0; len < bytes.size(); ++len) {
        INFO("length " << len);
        CHECK(!decode_state(byte_span(bytes).first(len)));
    }
    std::vector<std::uint8_t> longer(bytes.begin(), bytes.end());
    longer.push_back(0);
    CHECK(!decode_state(longer));
}

TEST_CASE("every single bit flipped in a state file is refused", "[partial]") {
    const auto bytes = encode_state(example());
    std::size_t refused = 0;
    for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
        auto damaged = bytes;
        damaged[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
        if (!decode_state(damaged)) ++refused;
    }
    CHECK(refused == bytes.size() * 8);
}

TEST_CASE("the transfer id tells offers apart", "[partial]") {
    const auto a = transfer_id_of(msg::offer{0, 12, "report.pdf"});
    CHECK(a == transfer_id_of(msg::offer{0, 12, "report.pdf"}));
    CHECK(a != transfer_id_of(msg::offer{0, 13, "report.pdf"}));
    CHECK(a != transfer_id_of(msg::offer{0, 12, "report.pdf "}));
    CHECK(a != transfer_id_of(msg::offer{1, 12, "report.pdf"}));
}

TEST_CASE("the boot id is read", "[partial]") {
    const auto boot = current_boot_id();
    // Linux has one (8-4-4-4-12 hex digits); a system without /proc reads as zeros.
    CHECK((boot == boot_id{} || boot[8] == '-'));
}
