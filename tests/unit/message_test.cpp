#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "common/transfer/message.hpp"
#include "common/wire/wire_error.hpp"

using namespace ferry;

namespace {

msg::digest some_digest() {
    msg::digest d{};
    for (std::size_t i = 0; i < d.size(); ++i)
        d[i] = static_cast<std::uint8_t>(i);
    return d;
}

}  // namespace

TEST_CASE("transfer messages round-trip", "[message]") {
    const std::vector<std::uint8_t> bytes{9, 8, 7};
    const std::vector<msg::message> all{
        msg::offer{0, 0x0102030405060708ULL, "report.pdf"},
        msg::accept{},
        msg::refuse{msg::reason::no_space, "1 MiB free"},
        msg::data{bytes},
        msg::done{some_digest()},
        msg::verified{some_digest()},
        msg::abort{msg::reason::local_io, "disk full"},
        msg::keepalive{},
        msg::hello{2, 0x0102030405060708ULL, "0.2.0"},
        msg::offer{2, 11, ""},
        msg::resume{0x0102030405060708ULL, some_digest()},
        msg::resume_from{0},
        msg::resume_from{77},
        msg::resume_tree{1000},
        msg::tree_kept{{some_digest(), msg::digest{}}},
        msg::tree_from{0},
        msg::tree_from{491},
    };
    for (const auto& m : all) {
        const auto wire = msg::encode(m);
        const auto back = msg::decode(wire);
        REQUIRE(back.index() == m.index());
        CHECK(msg::encode(back) == wire);
    }
    const auto offer = msg::encode(msg::offer{0, 5, "ab"});
    CHECK(offer == std::vector<std::uint8_t>{1, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 2, 'a', 'b'});
    CHECK(msg::encode(msg::keepalive{}) == std::vector<std::uint8_t>{0x08});
    // HELLO as docs/protocol.md shows it: version 2, features 0x1ff, "0.8.0".
    CHECK(
        msg::encode(msg::hello{2, 0x1ff, "0.8.0"}) ==
        std::vector<std::uint8_t>{0x10, 2, 0, 0, 0, 0, 0, 0, 1, 0xff, 5, '0', '.', '8', '.', '0'});
    // RESUME_TREE, TREE_KEPT and TREE_FROM as docs/protocol.md shows them.
    CHECK(msg::encode(msg::resume_tree{491}) == std::vector<std::uint8_t>{0x0e, 0, 0, 0x01, 0xeb});
    CHECK(msg::encode(msg::tree_kept{{some_digest()}}).size() == 33);
    CHECK(msg::encode(msg::tree_from{490}) == std::vector<std::uint8_t>{0x11, 0, 0, 0x01, 0xea});
    // RESUME and RESUME_FROM as docs/protocol.md shows them.
    auto resume = msg::encode(msg::resume{0x8000000, some_digest()});
    CHECK(resume.size() == 41);
    resume.resize(9);
    CHECK(resume == std::vector<std::uint8_t>{0x0c, 0, 0, 0, 0, 0x08, 0, 0, 0});
    CHECK(msg::encode(msg::resume_from{0x8000000}) ==
          std::vector<std::uint8_t>{0x0d, 0, 0, 0, 0, 0x08, 0, 0, 0});
    // A text offer of 11 bytes: kind 2, no name.
    CHECK(msg::encode(msg::offer{2, 11, ""}) ==
          std::vector<std::uint8_t>{1, 2, 0, 0, 0, 0, 0, 0, 0, 11, 0, 0});
    std::vector<std::uint8_t> long_software{0x10, 2, 0, 0, 0, 0, 0, 0, 0, 1, 33};
    long_software.resize(long_software.size() + 33, 'v');
    CHECK_THROWS_WITH(msg::decode(long_software), Catch::Contains("too long"));
    CHECK_THROWS_WITH(msg::decode(std::vector<std::uint8_t>{0x08, 0}),
                      Catch::Contains("trailing garbage"));
}

TEST_CASE("every truncation of a message is refused", "[message]") {
    const std::vector<msg::message> all{
        msg::offer{0, 77, "name.txt"},
        msg::refuse{msg::reason::declined, "no"},
        msg::done{some_digest()},
        msg::verified{some_digest()},
        msg::abort{msg::reason::cancelled, "bye"},
        msg::hello{2, 1, "0.2.0"},
        msg::resume{5, some_digest()},
        msg::resume_from{5},
        msg::resume_tree{5},
        msg::tree_from{5},
    };
    for (const auto& m : all) {
        const auto wire = msg::encode(m);
        for (std::size_t len = 0; len < wire.size(); ++len) {
            CHECK_THROWS_AS(msg::decode(std::span(wire).first(len)), wire_error);
        }
        auto longer = wire;
        longer.push_back(0);
        CHECK_THROWS_WITH(msg::decode(longer), Catch::Contains("trailing garbage"));
    }
}

TEST_CASE("malformed messages are refused with a clear error", "[message]") {
    CHECK_THROWS_WITH(msg::decode(std::vector<std::uint8_t>{0x55}),
                      Catch::Contains("unknown message type"));
    CHECK_THROWS_WITH(msg::decode(std::vector<std::uint8_t>{4}), Catch::Contains("empty data"));
    CHECK_THROWS_WITH(msg::decode(std::vector<std::uint8_t>{1, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
                      Catch::Contains("unsupported offer kind"));
    CHECK_THROWS_WITH(msg::decode(std::vector<std::uint8_t>{3, 99, 0, 0}),
                      Catch::Contains("unknown reason"));
    auto from_zero = msg::encode(msg::resume{1, some_digest()});
    from_zero[8] = 0;
    CHECK_THROWS_WITH(msg::decode(from_zero), Catch::Contains("offset 0"));
    CHECK_THROWS_WITH(msg::decode(msg::encode(msg::resume_tree{0})), Catch::Contains("0 entries"));
    CHECK_THROWS_WITH(msg::decode(msg::encode(msg::resume_tree{msg::max_tree_entries + 1})),
                      Catch::Contains("1000001 entries"));
    CHECK_THROWS_WITH(msg::decode(std::vector<std::uint8_t>{0x0f}),
                      Catch::Contains("kept entries"));
    auto kept = msg::encode(msg::tree_kept{{some_digest()}});
    for (std::size_t len = 1; len < kept.size(); ++len) {  // 0..31 value bytes: not a whole value
        CHECK_THROWS_WITH(msg::decode(std::span(kept).first(len)), Catch::Contains("kept entries"));
    }
    kept.push_back(0);
    CHECK_THROWS_WITH(msg::decode(kept), Catch::Contains("kept entries"));
    std::vector<std::uint8_t> too_many(1 + 32 * (msg::max_kept_per_record + 1), 0);
    too_many[0] = 0x0f;
    CHECK_THROWS_WITH(msg::decode(too_many), Catch::Contains("kept entries"));
    std::vector<std::uint8_t> most(1 + 32 * msg::max_kept_per_record, 0);
    most[0] = 0x0f;
    CHECK(std::get<msg::tree_kept>(msg::decode(most)).values.size() == msg::max_kept_per_record);
    std::vector<std::uint8_t> long_name{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    long_name.resize(long_name.size() + 0xffff, 'a');
    CHECK_THROWS_WITH(msg::decode(long_name), Catch::Contains("too long"));
    std::vector<std::uint8_t> long_text{3, 1, 0xff, 0xff};
    long_text.resize(long_text.size() + 0xffff, 'a');
    CHECK_THROWS_WITH(msg::decode(long_text), Catch::Contains("too long"));
}

TEST_CASE("garbage is refused cleanly and whatever decodes encodes back the same", "[message]") {
    std::uint32_t state = 99;
    int decoded = 0;
    int refused = 0;
    for (int round = 0; round < 5000; ++round) {
        std::vector<std::uint8_t> junk(static_cast<std::size_t>(round % 50));
        for (auto& b : junk) {
            state = state * 1664525 + 1013904223;
            b = static_cast<std::uint8_t>(state >> 24);
        }
        if (!junk.empty())
            junk[0] = static_cast<std::uint8_t>(round % 9 < 7 ? 1 + round % 7 : 5 + round % 9);
        // Any exception but wire_error fails the test case.
        try {
            const auto m = msg::decode(junk);
            ++decoded;
            INFO("round " << round);
            CHECK(msg::encode(m) == junk);
        } catch (const wire_error&) {
            ++refused;
        }
    }
    // Both paths were taken: the junk is neither all valid nor all refused at the first byte.
    CHECK(decoded > 100);
    CHECK(refused > 100);
}

TEST_CASE("text offers carry no name and at most 64 KiB, streams no size", "[message]") {
    CHECK(std::get<msg::offer>(msg::decode(msg::encode(msg::offer{2, 65536, ""}))).size == 65536);
    CHECK_THROWS_WITH(msg::decode(msg::encode(msg::offer{2, 65537, ""})),
                      Catch::Contains("over the limit"));
    CHECK_THROWS_WITH(msg::decode(msg::encode(msg::offer{2, 5, "a.txt"})),
                      Catch::Contains("carries a name"));
    // A stream (kind 1) has no size; 4 and up mean nothing yet (3 is a tree, below).
    CHECK(std::get<msg::offer>(msg::decode(msg::encode(msg::offer{1, 0, "stdin"}))).name ==
          "stdin");
    CHECK_THROWS_WITH(msg::decode(msg::encode(msg::offer{1, 5, "stdin"})),
                      Catch::Contains("no size"));
    for (const std::uint8_t kind : {std::uint8_t{4}, std::uint8_t{255}}) {
        CHECK_THROWS_WITH(msg::decode(msg::encode(msg::offer{kind, 5, "a"})),
                          Catch::Contains("unsupported offer kind"));
    }
}

namespace {

// The tree offer of docs/protocol.md's example: a file "a.txt" of 5 bytes and a folder "d"
// holding one file of 3 bytes.
msg::offer small_tree() {
    msg::offer o{static_cast<std::uint8_t>(msg::offer_kind::tree), 8, ""};
    o.files = 2;
    o.folders = 1;
    o.symlinks = 0;
    o.items = {{msg::entry_type::file, 1, 5, "a.txt"}, {msg::entry_type::folder, 1, 3, "d"}};
    return o;
}

msg::entry file_entry() {
    return {msg::entry_type::file, 0644, 1'700'000'000'123'456'789, 3, "d/b", ""};
}

// The encoding of `o` with its item count (bytes 24 and 25: after type, kind, size, an empty
// name and the three totals) replaced by `count`.
std::vector<std::uint8_t> with_item_count(const msg::offer& o, std::uint16_t count) {
    auto wire = msg::encode(o);
    REQUIRE(o.name.empty());
    REQUIRE(wire.size() >= 26);
    wire[24] = static_cast<std::uint8_t>(count >> 8);
    wire[25] = static_cast<std::uint8_t>(count);
    return wire;
}

// "09 01 01ed ...": spaces are for the reader.
std::vector<std::uint8_t> from_hex(std::string_view hex) {
    std::vector<std::uint8_t> out;
    std::string digits;
    for (const char c : hex) {
        if (c != ' ') digits.push_back(c);
    }
    for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
    }
    return out;
}

std::string decode_error(const std::vector<std::uint8_t>& wire) {
    try {
        msg::decode(wire);
    } catch (const wire_error& e) {
        return e.what();
    }
    return "(decoded)";
}

}  // namespace

TEST_CASE("tree offers, entries and file ends round-trip", "[message][tree]") {
    const auto o = small_tree();
    const auto wire = msg::encode(o);
    const auto back = std::get<msg::offer>(msg::decode(wire));
    CHECK(back.kind == 3);
    CHECK(back.size == 8);
    CHECK(back.name.empty());
    CHECK(back.files == 2);
    CHECK(back.folders == 1);
    CHECK(back.symlinks == 0);
    REQUIRE(back.items.size() == 2);
    CHECK(back.items[0].type == msg::entry_type::file);
    CHECK(back.items[0].files == 1);
    CHECK(back.items[0].size == 5);
    CHECK(back.items[0].name == "a.txt");
    CHECK(back.items[1].type == msg::entry_type::folder);
    CHECK(back.items[1].files == 1);
    CHECK(back.items[1].size == 3);
    CHECK(back.items[1].name == "d");
    CHECK(msg::encode(back) == wire);

    // The limits themselves: 4096 items, 1,000,000 entries, the largest sizes and counts.
    msg::offer big{3, 0, ""};
    for (std::size_t i = 0; i < msg::max_offer_items; ++i) {
        std::string name = "f";
        name += std::to_string(i);
        big.items.push_back({msg::entry_type::folder, 0, 0, name});
    }
    big.folders = msg::max_tree_entries;
    const auto big_wire = msg::encode(big);
    CHECK(std::get<msg::offer>(msg::decode(big_wire)).items.size() == 4096);
    CHECK(msg::encode(msg::decode(big_wire)) == big_wire);
    msg::offer huge{3, UINT64_MAX, ""};
    huge.files = 1;
    huge.symlinks = msg::max_tree_entries - 1;
    huge.items = {{msg::entry_type::file, 1, UINT64_MAX, std::string(4096, 'n')}};
    const auto huge_wire = msg::encode(huge);
    CHECK(msg::encode(msg::decode(huge_wire)) == huge_wire);

    const std::vector<msg::entry> entries{
        file_entry(),
        {msg::entry_type::file, 0, 0, 0, "empty", ""},
        {msg::entry_type::folder, 0755, -1, 0, "d", ""},
        {msg::entry_type::symlink, 07777, INT64_MIN, 0, "d/link", "../x/y"},
        {msg::entry_type::file, 0755, INT64_MAX, UINT64_MAX, std::string(4096, 'p'), ""},
        {msg::entry_type::symlink, 0777, 0, 0, "d/l", std::string(4096, 't')},
    };
    for (const auto& e : entries) {
        const auto ewire = msg::encode(e);
        const auto eback = std::get<msg::entry>(msg::decode(ewire));
        CHECK(eback.type == e.type);
        CHECK(eback.mode == e.mode);
        CHECK(eback.mtime_ns == e.mtime_ns);
        CHECK(eback.size == e.size);
        CHECK(eback.path == e.path);
        CHECK(eback.target == e.target);
        CHECK(msg::encode(eback) == ewire);
    }

    const auto end_wire = msg::encode(msg::file_end{some_digest()});
    CHECK(end_wire.size() == 33);
    CHECK(end_wire[0] == 0x0a);
    CHECK(std::get<msg::file_end>(msg::decode(end_wire)).sha256 == some_digest());
    CHECK(msg::encode(msg::decode(end_wire)) == end_wire);

    // Reasons 9, unsupported, and 10, not_shared, are reasons like the others; 11 is not.
    const auto refuse_wire = msg::encode(msg::refuse{msg::reason::unsupported, "stdout"});
    CHECK(std::get<msg::refuse>(msg::decode(refuse_wire)).why == msg::reason::unsupported);
    CHECK_THAT(msg::describe(msg::reason::unsupported), Catch::Contains("cannot take"));
    CHECK(std::get<msg::abort>(msg::decode(std::vector<std::uint8_t>{7, 10, 0, 0})).why ==
          msg::reason::not_shared);
    CHECK_THROWS_WITH(msg::decode(std::vector<std::uint8_t>{3, 11, 0, 0}),
                      Catch::Contains("unknown reason code 11"));
    CHECK_THROWS_WITH(msg::decode(std::vector<std::uint8_t>{7, 11, 0, 0}),
                      Catch::Contains("unknown reason code 11"));
}

TEST_CASE("an entry's exact bytes", "[message][tree]") {
    // A folder "d", mode 0755, mtime 1 ns, no size, no target.
    CHECK(msg::encode(msg::entry{msg::entry_type::folder, 0755, 1, 0, "d", ""}) ==
          from_hex("09 01 01ed 0000000000000001 0000000000000000 0001 64 0000"));
    // A symlink "d/l" to "x", mode 0777: size 0, then path and target.
    CHECK(msg::encode(msg::entry{msg::entry_type::symlink, 0777, 0, 0, "d/l", "x"}) ==
          from_hex("09 02 01ff 0000000000000000 0000000000000000 0003 642f6c 0001 78"));
    // A negative mtime (before 1970) is its two's complement.
    CHECK(msg::encode(msg::entry{msg::entry_type::file, 0, -2, 0, "a", ""}) ==
          from_hex("09 00 0000 fffffffffffffffe 0000000000000000 0001 61 0000"));
}

TEST_CASE("malformed tree offers are refused with a clear error", "[message][tree]") {
    const auto tree = small_tree();
    CHECK_THAT(decode_error(with_item_count(tree, 0)), Catch::Contains("0 items (1 to 4096)"));
    CHECK_THAT(decode_error(with_item_count(tree, 4097)),
               Catch::Contains("4097 items (1 to 4096)"));
    CHECK_THAT(decode_error(with_item_count(tree, 0xffff)), Catch::Contains("65535 items"));
    {
        auto o = tree;
        o.items.clear();
        o.files = 0;
        o.size = 0;
        CHECK_THAT(decode_error(msg::encode(o)), Catch::Contains("a tree offer of 0 items"));
    }
    {
        auto o = tree;
        o.items[1].type = msg::entry_type::symlink;
        o.symlinks = 1;
        CHECK_THAT(decode_error(msg::encode(o)), Catch::Contains("a top-level item is a symlink"));
    }
    {
        auto wire = msg::encode(tree);
        wire[26] = 3;  // the first item's type
        CHECK_THAT(decode_error(wire), Catch::Contains("unknown offer item type 3"));
    }
    for (const std::uint32_t files : {0U, 2U, 0xffffffffU}) {
        auto o = tree;
        o.items[0].files = files;
        o.files = static_cast<std::uint32_t>(files + 1);
        INFO(files);
        CHECK_THAT(decode_error(msg::encode(o)),
                   Catch::Contains("a top-level file counts other than 1 file"));
    }
    {
        auto o = tree;
        o.files = 3;
        CHECK_THAT(decode_error(msg::encode(o)), Catch::Contains("do not add up"));
        o.files = 1;
        CHECK_THAT(decode_error(msg::encode(o)), Catch::Contains("do not add up"));
    }
    {
        auto o = tree;
        o.size = 9;
        CHECK_THAT(decode_error(msg::encode(o)), Catch::Contains("do not add up"));
        o.size = 7;
        CHECK_THAT(decode_error(msg::encode(o)), Catch::Contains("do not add up"));
    }
    {
        // Sizes that add up only modulo 2^64.
        auto o = tree;
        o.items[0].size = 0x8000000000000000ULL;
        o.items[1].size = 0x8000000000000000ULL;
        o.size = 0;
        CHECK_THAT(decode_error(msg::encode(o)), Catch::Contains("the offered sizes overflow"));
        o.items[0].size = UINT64_MAX;
        o.items[1].size = 1;
        CHECK_THAT(decode_error(msg::encode(o)), Catch::Contains("the offered sizes overflow"));
    }
    {
        // Folder-item file counts that add up only modulo 2^32 are not a way around the totals.
        auto o = tree;
        o.items[1].files = 0xffffffffU;
        o.files = 0;  // 1 + 0xffffffff, truncated to 32 bits
        CHECK_THAT(decode_error(msg::encode(o)), Catch::Contains("do not add up"));
    }
    {
        auto o = tree;
        o.folders = msg::max_tree_entries - 1;  // 2 files + 999,999 folders
        CHECK_THAT(decode_error(msg::encode(o)), Catch::Contains("over 1000000 entries"));
        o.folders = 0xffffffffU;
        o.symlinks = 0xffffffffU;
        CHECK_THAT(decode_error(msg::encode(o)), Catch::Contains("over 1000000 entries"));
        o.folders = msg::max_tree_entries - 2;
        o.symlinks = 0;
        CHECK_NOTHROW(msg::decode(msg::encode(o)));
    }
    {
        auto o = tree;
        o.name = "x.txt";
        CHECK_THAT(decode_error(msg::encode(o)),
                   Catch::Contains("a text or tree offer carries a name"));
    }
    {
        auto o = tree;
        o.items[0].name = std::string(4096, 'n');
        CHECK_NOTHROW(msg::decode(msg::encode(o)));  // the codec's limit; the receiver's is 255
        auto wire = msg::encode(o);
        // The first item's name length (bytes 39 and 40: after its type, files and size).
        REQUIRE(wire[39] == 0x10);
        REQUIRE(wire[40] == 0x00);
        wire[40] = 0x01;  // 4097
        CHECK_THAT(decode_error(wire), Catch::Contains("offer item name is too long (4097 bytes)"));
    }
}

TEST_CASE("malformed entries are refused with a clear error", "[message][tree]") {
    auto with = [](auto change) {
        auto e = file_entry();
        change(e);
        return decode_error(msg::encode(e));
    };
    CHECK(with([](msg::entry&) {}) == "(decoded)");
    CHECK_THAT(with([](msg::entry& e) { e.mode = 010000; }),
               Catch::Contains("entry mode 10000 is not a mode"));
    CHECK_THAT(with([](msg::entry& e) { e.mode = 0xffff; }), Catch::Contains("is not a mode"));
    CHECK(with([](msg::entry& e) { e.mode = 07777; }) == "(decoded)");
    CHECK_THAT(with([](msg::entry& e) { e.path.clear(); }),
               Catch::Contains("an entry has an empty path"));
    CHECK_THAT(with([](msg::entry& e) { e.type = msg::entry_type::folder; }),
               Catch::Contains("a folder or link has a size"));
    CHECK_THAT(with([](msg::entry& e) {
                   e.type = msg::entry_type::symlink;
                   e.target = "target";
               }),
               Catch::Contains("a folder or link has a size"));
    CHECK_THAT(with([](msg::entry& e) {
                   e.type = msg::entry_type::symlink;
                   e.size = 0;
               }),
               Catch::Contains("every symlink has one"));
    CHECK_THAT(with([](msg::entry& e) { e.target = "target"; }),
               Catch::Contains("a link target comes with symlinks only"));
    CHECK_THAT(with([](msg::entry& e) {
                   e.type = msg::entry_type::folder;
                   e.size = 0;
                   e.target = "target";
               }),
               Catch::Contains("a link target comes with symlinks only"));

    auto wire = msg::encode(file_entry());
    wire[1] = 3;
    CHECK_THAT(decode_error(wire), Catch::Contains("unknown entry type 3"));
    // Lengths over 4096 (the bytes that follow do not matter: the length is refused first).
    // The path length is at bytes 20 and 21 (after type, entry type, mode, mtime and size).
    auto long_path = msg::encode(file_entry());
    long_path.resize(20);
    long_path.push_back(0x10);
    long_path.push_back(0x01);
    long_path.resize(long_path.size() + 4097 + 2, 'p');
    CHECK_THAT(decode_error(long_path), Catch::Contains("entry path is too long (4097 bytes)"));
    auto long_target = msg::encode(msg::entry{msg::entry_type::symlink, 0, 0, 0, "l", "t"});
    long_target.resize(long_target.size() - 3);  // drop the target
    long_target.push_back(0x10);
    long_target.push_back(0x01);
    long_target.resize(long_target.size() + 4097, 't');
    CHECK_THAT(decode_error(long_target),
               Catch::Contains("entry link target is too long (4097 bytes)"));
}

TEST_CASE("every truncation of a tree message is refused, and any trailing byte",
          "[message][tree]") {
    const std::vector<msg::message> all{
        small_tree(),
        file_entry(),
        msg::entry{msg::entry_type::folder, 0700, 5, 0, "d", ""},
        msg::entry{msg::entry_type::symlink, 0777, 5, 0, "d/l", "../x"},
        msg::file_end{some_digest()},
        msg::refuse{msg::reason::unsupported, "no"},
    };
    for (const auto& m : all) {
        const auto wire = msg::encode(m);
        INFO("type " << int{wire[0]} << ", " << wire.size() << " bytes");
        REQUIRE_NOTHROW(msg::decode(wire));
        for (std::size_t len = 0; len < wire.size(); ++len) {
            INFO("the first " << len << " bytes");
            CHECK_THROWS_AS(msg::decode(std::span(wire).first(len)), wire_error);
        }
        for (const std::uint8_t extra : {std::uint8_t{0}, std::uint8_t{0xff}}) {
            auto longer = wire;
            longer.push_back(extra);
            CHECK_THROWS_WITH(msg::decode(longer), Catch::Contains("1 byte of trailing garbage"));
        }
        auto much_longer = wire;
        much_longer.resize(wire.size() + 7, 'x');
        CHECK_THROWS_WITH(msg::decode(much_longer), Catch::Contains("7 bytes of trailing garbage"));
    }
}

TEST_CASE("mutated tree messages are refused cleanly or encode back the same", "[message][tree]") {
    const std::vector<std::vector<std::uint8_t>> valid{
        msg::encode(small_tree()),
        msg::encode(file_entry()),
        msg::encode(msg::entry{msg::entry_type::folder, 0755, 1, 0, "d", ""}),
        msg::encode(msg::entry{msg::entry_type::symlink, 0777, 1, 0, "d/l", "x"}),
        msg::encode(msg::file_end{some_digest()}),
    };
    std::uint32_t state = 7;
    const auto next = [&state] {
        state = state * 1664525 + 1013904223;
        return state >> 8;
    };
    int decoded = 0;
    int refused = 0;
    for (int round = 0; round < 20000; ++round) {
        auto wire = valid[static_cast<std::size_t>(round) % valid.size()];
        const auto changes = 1 + next() % 3;
        for (std::uint32_t i = 0; i < changes; ++i) {
            auto& b = wire[1 + next() % (wire.size() - 1)];  // keep the type
            // Mostly small changes, so that many results still decode.
            b = static_cast<std::uint8_t>(next() % 2 ? b ^ (1U << (next() % 8)) : next());
        }
        try {
            const auto m = msg::decode(wire);
            ++decoded;
            INFO("round " << round);
            CHECK(msg::encode(m) == wire);
        } catch (const wire_error&) {
            ++refused;
        }
    }
    CHECK(decoded > 1000);
    CHECK(refused > 1000);
}
