// partial_tree keeps the entries a stopped receiver wrote whole, finds them again for the same
// offer, keeps only those found in order with their type, size and bytes, and removes the rest.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/crypto/sha256.hpp"
#include "receiver/partial_tree.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::receiver;
using ferry::test::temp_dir;
namespace fs = std::filesystem;

namespace {

msg::offer tree_offer() {
    msg::offer o{3, 6, ""};
    o.files = 2;
    o.folders = 1;
    o.items.push_back(msg::offer_item{msg::entry_type::folder, 2, 6, "t"});
    return o;
}

const msg::entry folder_t{msg::entry_type::folder, 0755, 0, 0, "t", ""};
const msg::entry file_a{msg::entry_type::file, 0644, 0, 3, "t/a", ""};
const msg::entry file_b{msg::entry_type::file, 0644, 0, 3, "t/b", ""};

// Writes `e` (a file: "abc") below the staging folder and journals it.
void write_entry(partial_tree& p, const msg::entry& e, bool journal = true) {
    msg::digest d{};
    if (e.type == msg::entry_type::folder) {
        p.staging().make_folder(e.path);
    } else {
        const int fd = p.staging().create_file(e.path);
        REQUIRE(::write(fd, "abc", 3) == 3);
        p.staging().close_file(fd, e.path, e.mode, e.mtime_ns);
        sha256 h;
        h.update(as_bytes(std::string_view("abc")));
        d = h.finish();
    }
    if (journal) p.journal().entry_done(msg::encode(e), d, e.size);
}

bool verify_all(partial_tree& p) {
    for (int i = 0; i < 1000; ++i) {
        if (p.verify_step()) return true;
    }
    return false;
}

// t, t/a journaled; t/b written but not journaled (cut before its record).
kept_partial first_try(const fs::path& dir) {
    kept_partial kept;
    partial_tree p(dir, tree_offer(), false, kept);
    CHECK(p.kept() == 0);
    p.start(0);
    write_entry(p, folder_t);
    write_entry(p, file_a);
    write_entry(p, file_b, false);
    return kept;
}

fs::path staged(const fs::path& dir, const kept_partial& kept) {
    return dir / kept.folder / "tree";
}

}  // namespace

TEST_CASE("a tree's entries written whole are kept and found again", "[partial]") {
    temp_dir dir;
    const auto kept = first_try(dir.path);
    CHECK(kept.folder.starts_with(".ferry-partial-"));
    CHECK(kept.bytes == 3);
    CHECK(dir.final_entries().empty());
    kept_partial again;
    partial_tree p(dir.path, tree_offer(), false, again);
    REQUIRE(p.kept() == 2);
    CHECK(p.kept_bytes() == 3);
    CHECK(!fs::exists(staged(dir.path, kept) / "t" / "b"));  // not journaled: removed
    REQUIRE(verify_all(p));
    CHECK(p.kept() == 2);
    p.start(2);
    write_entry(p, file_b);
    p.staging().sync();
    p.staging().commit(tree_offer().items);
    p.committed();
    CHECK(dir.entries() == std::vector<std::string>{"t"});
    CHECK(fs::file_size(dir.path / "t" / "b") == 3);
}

TEST_CASE("a kept file that changed on the disk ends what is kept", "[partial]") {
    temp_dir dir;
    const auto kept = first_try(dir.path);
    {
        std::ofstream f(staged(dir.path, kept) / "t" / "a", std::ios::binary);
        f << "abd";  // the same size, other bytes
    }
    kept_partial again;
    partial_tree p(dir.path, tree_offer(), false, again);
    CHECK(p.kept() == 2);  // type and size match
    REQUIRE(verify_all(p));
    CHECK(p.kept() == 1);  // the bytes do not
    p.start(1);
    CHECK(!fs::exists(staged(dir.path, kept) / "t" / "a"));
    CHECK(fs::is_directory(staged(dir.path, kept) / "t"));
}

TEST_CASE("a fresh start offers nothing and removes nothing before it starts", "[partial]") {
    temp_dir dir;
    const auto kept = first_try(dir.path);
    {
        kept_partial declined;
        partial_tree p(dir.path, tree_offer(), true, declined);
        CHECK(p.kept() == 0);
        CHECK(fs::exists(staged(dir.path, kept) / "t" / "a"));
    }  // the person said no: the earlier try's data stays, and is reported
    CHECK(fs::exists(staged(dir.path, kept) / "t" / "a"));
    kept_partial fresh;
    {
        partial_tree p(dir.path, tree_offer(), true, fresh);
        p.start(0);
        CHECK(!fs::exists(staged(dir.path, kept) / "t"));
    }  // nothing written whole: nothing kept
    CHECK(fresh.folder.empty());
    CHECK(dir.entries().empty());
}

namespace {

msg::offer linked_offer() {
    msg::offer o{3, 3, ""};
    o.files = 1;
    o.folders = 1;
    o.symlinks = 1;
    o.items.push_back(msg::offer_item{msg::entry_type::folder, 1, 3, "t"});
    return o;
}

const msg::entry link_l{msg::entry_type::symlink, 0777, 0, 0, "t/l", "a"};

}  // namespace

TEST_CASE("a kept symlink retargeted since is not kept and comes again", "[partial]") {
    const auto target = GENERATE(as<std::string>{}, "../../../../../../etc/passwd", "b", "ab");
    temp_dir dir;
    kept_partial kept;
    {
        partial_tree p(dir.path, linked_offer(), false, kept);
        p.start(0);
        write_entry(p, folder_t);
        write_entry(p, file_a);
        REQUIRE(p.staging().make_symlink(link_l.path, link_l.target));
        p.journal().entry_done(msg::encode(link_l), msg::digest{}, 0);
    }
    const auto link = staged(dir.path, kept) / "t" / "l";
    REQUIRE(fs::read_symlink(link) == "a");
    {
        kept_partial as_left;
        partial_tree p(dir.path, linked_offer(), false, as_left);
        CHECK(p.kept() == 3);  // untouched: all kept
    }
    fs::remove(link);
    fs::create_symlink(target, link);
    kept_partial again;
    partial_tree p(dir.path, linked_offer(), false, again);
    INFO(target);
    CHECK(p.kept() == 2);
    CHECK(!fs::exists(fs::symlink_status(link)));
}

TEST_CASE("a journaled link this receiver skips is not kept when one appears", "[partial]") {
    temp_dir dir;
    kept_partial kept;
    const msg::entry outside{msg::entry_type::symlink, 0777, 0, 0, "t/l", "../../x"};
    {
        partial_tree p(dir.path, linked_offer(), false, kept);
        p.start(0);
        write_entry(p, folder_t);
        p.journal().entry_done(msg::encode(outside), msg::digest{}, 0);  // skipped: not made
        write_entry(p, file_a);
    }
    const auto link = staged(dir.path, kept) / "t" / "l";
    fs::create_symlink(outside.target, link);  // as the journal says, yet never made here
    kept_partial again;
    partial_tree p(dir.path, linked_offer(), false, again);
    CHECK(p.kept() == 1);
    CHECK(!fs::exists(fs::symlink_status(link)));
}

TEST_CASE("no more entries are kept than the tree offered now has", "[partial]") {
    temp_dir dir;
    first_try(dir.path);  // t, t/a journaled
    auto shrunk = tree_offer();
    shrunk.files = 0;  // t alone now (its files gone)
    shrunk.size = 0;
    shrunk.items[0].files = 0;
    shrunk.items[0].size = 0;
    kept_partial again;
    partial_tree p(dir.path, shrunk, false, again);
    CHECK(p.kept() == 1);
}

namespace {

msg::offer with_item(const std::string& name) {
    auto o = tree_offer();
    o.folders += 1;
    o.items.push_back(msg::offer_item{msg::entry_type::folder, 0, 0, name});
    return o;
}

// Journals `entries` in the partial folder of `offer` and leaves it there.
std::string left_behind(const fs::path& dir, const msg::offer& offer,
                        const std::vector<msg::entry>& entries) {
    kept_partial kept;
    {
        partial_tree p(dir, offer, false, kept);
        p.start(0);
        for (const auto& e : entries)
            write_entry(p, e);
    }
    REQUIRE(!kept.folder.empty());
    return kept.folder;
}

}  // namespace

TEST_CASE("a saved tree removes other partials that kept only items of its names", "[partial]") {
    temp_dir dir;
    const auto only_t = left_behind(dir.path, with_item("u"), {folder_t, file_a});
    const msg::entry folder_v{msg::entry_type::folder, 0755, 0, 0, "v", ""};
    const auto also_v = left_behind(dir.path, with_item("v"), {folder_t, file_a, folder_v});
    fs::create_directory(dir.path / ".ferry-partial-not-ferry-s");  // no journal: left alone
    kept_partial kept;
    {
        partial_tree p(dir.path, tree_offer(), false, kept);
        p.start(0);
        for (const auto& e : {folder_t, file_a, file_b})
            write_entry(p, e);
        p.staging().sync();
        p.staging().commit(tree_offer().items);
        p.committed();
    }
    auto left = dir.entries();
    std::sort(left.begin(), left.end());
    std::vector<std::string> expected{".ferry-partial-not-ferry-s", also_v, "t"};
    std::sort(expected.begin(), expected.end());
    CHECK(left == expected);
    CHECK(!fs::exists(dir.path / only_t));
}
