// A share's pieces: its messages (SHARED, WANT, LISTED), what a receiver's paths select, and the
// digests hashed once for every receiver.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "common/crypto/sha256.hpp"
#include "common/transfer/message.hpp"
#include "common/ui/exit_code.hpp"
#include "common/wire/wire_error.hpp"
#include "sender/share_digests.hpp"
#include "sender/share_selection.hpp"
#include "sender/tree_plan.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;

namespace {

std::vector<std::string> paths_of(const sender::tree_plan& plan) {
    std::vector<std::string> out;
    for (const auto& e : plan.entries)
        out.push_back(e.path);
    return out;
}

// course/{a.txt, week1/{intro.pdf, notes.txt}, week2/x.bin}, slides.pdf
std::shared_ptr<const sender::tree_plan> course_share(const temp_dir& dir) {
    fs::create_directories(dir.path / "course" / "week1");
    fs::create_directories(dir.path / "course" / "week2");
    make_file(dir.path / "course" / "a.txt", 10, 1);
    make_file(dir.path / "course" / "week1" / "intro.pdf", 2000, 2);
    make_file(dir.path / "course" / "week1" / "notes.txt", 30, 3);
    make_file(dir.path / "course" / "week2" / "x.bin", 400, 4);
    make_file(dir.path / "slides.pdf", 5000, 5);
    return std::make_shared<const sender::tree_plan>(
        sender::plan_tree({dir.path / "course", dir.path / "slides.pdf"}));
}

std::string usage_error(const std::function<void()>& f) {
    try {
        f();
    } catch (const failure& e) {
        CHECK(e.code() == exit_code::usage);
        return e.what();
    }
    FAIL("no failure");
    return "";
}

}  // namespace

TEST_CASE("share messages have the bytes of docs/protocol.md", "[message][share]") {
    CHECK(msg::encode(msg::shared{}) == std::vector<std::uint8_t>{0x18});
    CHECK(msg::encode(msg::want{msg::want_mode::list, {}}) ==
          std::vector<std::uint8_t>{0x16, 0x01, 0x00, 0x00});
    CHECK(msg::encode(msg::want{msg::want_mode::take, {}}) ==
          std::vector<std::uint8_t>{0x16, 0x00, 0x00, 0x00});
    CHECK(msg::encode(msg::want{msg::want_mode::take, {"course/week1", "slides.pdf"}}) ==
          std::vector<std::uint8_t>{0x16, 0x00, 0x00, 0x02, 0x00, 0x0c, 'c', 'o', 'u',  'r',
                                    's',  'e',  '/',  'w',  'e',  'e',  'k', '1', 0x00, 0x0a,
                                    's',  'l',  'i',  'd',  'e',  's',  '.', 'p', 'd',  'f'});
    CHECK(msg::encode(msg::listed{214}) == std::vector<std::uint8_t>{0x17, 0, 0, 0, 0xd6});
    CHECK(msg::encode(msg::abort{msg::reason::not_shared, "x"}) ==
          std::vector<std::uint8_t>{0x07, 0x0a, 0x00, 0x01, 'x'});
}

TEST_CASE("share messages round-trip and every truncation is refused", "[message][share]") {
    const std::vector<msg::message> all{
        msg::shared{},
        msg::want{msg::want_mode::list, {}},
        msg::want{msg::want_mode::take, {}},
        msg::want{msg::want_mode::take, {"a", "b/c", std::string(4096, 'p')}},
        msg::listed{0},
        msg::listed{msg::max_tree_entries},
    };
    for (const auto& m : all) {
        const auto wire = msg::encode(m);
        const auto back = msg::decode(wire);
        REQUIRE(back.index() == m.index());
        CHECK(msg::encode(back) == wire);
        for (std::size_t len = 1; len < wire.size(); ++len)
            CHECK_THROWS_AS(msg::decode(std::span(wire).first(len)), wire_error);
        auto longer = wire;
        longer.push_back(0);
        CHECK_THROWS_WITH(msg::decode(longer), Catch::Contains("trailing garbage"));
    }
}

TEST_CASE("malformed share messages are refused with a clear error", "[message][share]") {
    using bytes = std::vector<std::uint8_t>;
    CHECK_THROWS_WITH(msg::decode(bytes{0x16, 0x02, 0, 0}), Catch::Contains("unknown want mode 2"));
    CHECK_THROWS_WITH(msg::decode(bytes{0x16, 0x01, 0, 1, 0, 1, 'a'}),
                      Catch::Contains("a want to list names paths"));
    CHECK_THROWS_WITH(msg::decode(bytes{0x16, 0x00, 0, 1, 0, 0}), Catch::Contains("empty path"));
    CHECK_THROWS_WITH(msg::decode(bytes{0x16, 0x00, 0x10, 0x01}),
                      Catch::Contains("a want of 4097 paths"));
    CHECK_THROWS_WITH(msg::decode(bytes{0x16, 0x00, 0, 1, 0x10, 0x01}),
                      Catch::Contains("want path is too long"));
    CHECK_THROWS_WITH(msg::decode(bytes{0x17, 0x00, 0x0f, 0x42, 0x41}),
                      Catch::Contains("a listing of 1000001 entries"));
    CHECK_THROWS_WITH(msg::decode(bytes{0x18, 0x00}), Catch::Contains("trailing garbage"));
    // 0x12 to 0x15 belong to the session layer: never a message.
    for (const std::uint8_t t : bytes{0x12, 0x13, 0x14, 0x15}) {
        CHECK_THROWS_WITH(msg::decode(bytes{t}), Catch::Contains("unknown message type"));
    }
}

TEST_CASE("mutated want messages are refused cleanly or encode back the same", "[message][share]") {
    const auto wire = msg::encode(msg::want{msg::want_mode::take, {"course/week1", "s"}});
    std::uint32_t state = 7;
    int decoded = 0;
    int refused = 0;
    for (int round = 0; round < 4000; ++round) {
        auto m = wire;
        for (int flips = 0; flips < 1 + round % 3; ++flips) {
            state = state * 1664525 + 1013904223;
            m[1 + (state >> 8) % (m.size() - 1)] = static_cast<std::uint8_t>(state >> 24);
        }
        try {
            const auto back = msg::decode(m);
            ++decoded;
            CHECK(msg::encode(back) == m);
        } catch (const wire_error&) {
            ++refused;
        }
    }
    CHECK(decoded > 100);
    CHECK(refused > 100);
}

TEST_CASE("no paths take the whole share without a copy", "[share]") {
    const temp_dir dir;
    const auto share = course_share(dir);
    CHECK(sender::select_from_share(share, {}) == share);
}

TEST_CASE("a path takes its entry and everything below as an item of its own", "[share]") {
    const temp_dir dir;
    const auto share = course_share(dir);
    const auto part = sender::select_from_share(share, {"course/week1/", "slides.pdf"});
    CHECK(paths_of(*part) ==
          std::vector<std::string>{"week1", "week1/intro.pdf", "week1/notes.txt", "slides.pdf"});
    REQUIRE(part->offer.items.size() == 2);
    CHECK(part->offer.items[0].name == "week1");
    CHECK(part->offer.items[0].files == 2);
    CHECK(part->offer.items[0].size == 2030);
    CHECK(part->offer.items[1].type == msg::entry_type::file);
    CHECK(part->offer.files == 3);
    CHECK(part->offer.folders == 1);
    CHECK(part->offer.size == 7030);
    // Each entry is where it was on disk, and keeps its place in the share's walk.
    for (const auto& e : part->entries) {
        CHECK(part->local_path(e) == share->local_path(share->entries[e.index]));
    }
    CHECK(part->local_path(part->entries[1]) == dir.path / "course" / "week1" / "intro.pdf");
    // The offer is what a plain send of those paths offers.
    const auto direct = sender::plan_tree({dir.path / "course" / "week1", dir.path / "slides.pdf"});
    CHECK(msg::encode(part->offer) == msg::encode(direct.offer));
    CHECK(paths_of(*part) == paths_of(direct));
}

TEST_CASE("a path inside another is taken once and the order is the walk's", "[share]") {
    const temp_dir dir;
    const auto share = course_share(dir);
    const auto part = sender::select_from_share(
        share, {"slides.pdf", "course/week1/notes.txt", "course", "./course/week2"});
    CHECK(part->offer.items.size() == 2);
    CHECK(part->offer.items[0].name == "course");
    CHECK(part->entries.size() == share->entries.size());
    CHECK(paths_of(*part) == paths_of(*share));
}

TEST_CASE("paths that cannot be taken are refused with a line for the receiver", "[share]") {
    const temp_dir dir;
    const auto share = course_share(dir);
    fs::create_directories(dir.path / "other" / "week1");
    const auto two = std::make_shared<const sender::tree_plan>(
        sender::plan_tree({dir.path / "course", dir.path / "other"}));
    CHECK_THAT(usage_error([&] { sender::select_from_share(share, {"course/week3"}); }),
               Catch::Equals("'course/week3' is not in the share"));
    CHECK_THAT(usage_error([&] { sender::select_from_share(share, {"cours"}); }),
               Catch::Contains("not in the share"));
    CHECK_THAT(usage_error([&] {
                   sender::select_from_share(two, {"course/week1", "other/week1"});
               }),
               Catch::Contains("two of the paths are named 'week1'"));
    fs::create_symlink("a.txt", dir.path / "course" / "link");
    const auto linked =
        std::make_shared<const sender::tree_plan>(sender::plan_tree({dir.path / "course"}));
    CHECK_THAT(usage_error([&] { sender::select_from_share(linked, {"course/link"}); }),
               Catch::Contains("is a link"));
    CHECK(sender::share_path("./a/b//") == "a/b");
}

TEST_CASE("a share's files are hashed once and a changed file is refused", "[share]") {
    const temp_dir dir;
    const auto share = course_share(dir);
    sender::share_digests digests(*share);
    const auto index_of = [&](const std::string& path) {
        for (const auto& e : share->entries)
            if (e.path == path) return e.index;
        FAIL("no entry " << path);
        return std::uint32_t{0};
    };
    const auto stat_of = [](const fs::path& p) {
        struct stat st {};
        REQUIRE(::stat(p.c_str(), &st) == 0);
        return sender::identity_of(st);
    };
    const auto intro = dir.path / "course" / "week1" / "intro.pdf";
    const auto i = index_of("course/week1/intro.pdf");
    const auto first = digests.digest(i, stat_of(intro));
    CHECK(to_hex(first) == sha256_of(intro));
    CHECK(digests.digest(i, stat_of(intro)) == first);
    // The walk-order pass hashes the rest, each file once.
    const auto slides = index_of("slides.pdf");
    CHECK(to_hex(digests.digest(slides, stat_of(dir.path / "slides.pdf"))) ==
          sha256_of(dir.path / "slides.pdf"));
    const auto all_files = 5U;
    REQUIRE(wait_until([&] { return digests.hashed().files == all_files; }));
    CHECK(digests.hashed().bytes == 10 + 2000 + 30 + 400 + 5000);
    for (int again = 0; again < 3; ++again)
        CHECK(digests.digest(i, stat_of(intro)) == first);
    CHECK(digests.hashed().files == all_files);
    // A chmod moves the change time, not the bytes: hashed again, once, and the same digest.
    fs::permissions(intro, fs::perms::owner_read | fs::perms::owner_write);
    CHECK(digests.digest(i, stat_of(intro)) == first);
    CHECK(digests.hashed().files == all_files + 1);
    // Bytes other than those hashed (another change time): refused, not sent with a stale digest.
    auto other = stat_of(intro);
    other.ctime_ns += 1;
    try {
        digests.digest(i, other);
        FAIL("no failure");
    } catch (const failure& e) {
        CHECK(e.code() == exit_code::local_io);
        CHECK_THAT(e.what(), Catch::Contains("course/week1/intro.pdf changed"));
    }
}

TEST_CASE("a stopped share's digests are refused at once", "[share]") {
    const temp_dir dir;
    const auto share = course_share(dir);
    sender::share_digests digests(*share);
    digests.stop();
    struct stat st {};
    REQUIRE(::stat((dir.path / "slides.pdf").c_str(), &st) == 0);
    std::uint32_t slides = 0;
    for (const auto& e : share->entries)
        if (e.path == "slides.pdf") slides = e.index;
    try {
        digests.digest(slides, sender::identity_of(st));
        FAIL("no failure");
    } catch (const failure& e) {
        CHECK(e.code() == exit_code::local_io);
        CHECK_THAT(e.what(), Catch::Contains("the share is stopping"));
    }
}
