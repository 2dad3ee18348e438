// The state file of a partial transfer (docs/protocol.md §4): exactly its bytes, and anything
// else, a truncated, lengthened or altered file, is no state at all (a fresh start).
#include <catch2/catch.hpp>

#include <vector>

#include "common/crypto/sha256.hpp"
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

// docs/protocol.md §4: the folder's name stays when the file or the tree's contents change.
TEST_CASE("the partial id of the documented examples names by what stays the same", "[partial]") {
    const auto file = partial_id_of(msg::offer{0, 12, "report.pdf"});
    CHECK(to_hex(file) == "067bb6759bfdbe7b7db8f94ca00390fc6251da3b3c93ee1733292b1331a18a60");
    CHECK(file == partial_id_of(msg::offer{0, 13, "report.pdf"}));
    CHECK(file != partial_id_of(msg::offer{0, 12, "report.pdf "}));

    msg::offer tree{3, 100, ""};
    tree.files = 3;
    tree.folders = 1;
    tree.items = {{msg::entry_type::folder, 2, 90, "photos"},
                  {msg::entry_type::file, 1, 10, "todo.txt"}};
    const auto id = partial_id_of(tree);
    CHECK(to_hex(id) == "5774ff1afe94dff305aaf5f1d50475e741fcc13f8a8a398e5fdc248c1d14ac06");
    auto changed = tree;  // a file grew, another went: the same folder
    changed.size = 150;
    changed.files = 2;
    changed.items[0].files = 1;
    changed.items[0].size = 140;
    CHECK(partial_id_of(changed) == id);
    CHECK(transfer_id_of(changed) != transfer_id_of(tree));
    auto renamed = tree;
    renamed.items[1].name = "todo.md";
    CHECK(partial_id_of(renamed) != id);
    auto retyped = tree;
    retyped.items[1].type = msg::entry_type::folder;
    CHECK(partial_id_of(retyped) != id);
    // One file item is not the file of the same name sent alone.
    msg::offer one{3, 12, ""};
    one.files = 1;
    one.items = {{msg::entry_type::file, 1, 12, "report.pdf"}};
    CHECK(partial_id_of(one) != file);
}

TEST_CASE("the boot id is read", "[partial]") {
    const auto boot = current_boot_id();
    // Linux has one (8-4-4-4-12 hex digits); a system without /proc reads as zeros.
    CHECK((boot == boot_id{} || boot[8] == '-'));
}
