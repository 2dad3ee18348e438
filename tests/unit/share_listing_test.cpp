// `ferry receive --list` prints each entry as it comes: a file or a link at once, a folder with
// its totals once what is in it has come; nothing else is held.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "common/transfer/message.hpp"
#include "common/wire/wire_error.hpp"
#include "receiver/share_listing.hpp"

using namespace ferry;
using ferry::receiver::share_listing;

namespace {

msg::entry file(std::string path, std::uint64_t size) {
    return msg::entry{msg::entry_type::file, 0644, 0, size, std::move(path), ""};
}

msg::entry folder(std::string path) {
    return msg::entry{msg::entry_type::folder, 0755, 0, 0, std::move(path), ""};
}

}  // namespace

TEST_CASE("a listing prints each entry as it comes, a folder after what is in it", "[share]") {
    std::vector<std::string> lines;
    share_listing listing([&](const std::string& line) { lines.push_back(line); });
    listing.add(folder("course"));
    CHECK(lines.empty());  // its totals are not known yet
    listing.add(file("course/intro.pdf", 2048));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].substr(30) == "course/intro.pdf\n");
    CHECK(lines[0].substr(0, 10) == "  2.00 KiB");
    listing.add(folder("course/week1"));
    listing.add(file("course/week1/a\x1b[2Jb", 1));
    CHECK(lines.size() == 2);
    CHECK(lines[1].substr(30) == "course/week1/a\\x1b[2Jb\n");  // made printable
    listing.add(msg::entry{msg::entry_type::symlink, 0777, 0, 0, "course/link", "week1"});
    // course/week1/ is done once a path outside it comes: its line, then the link's.
    REQUIRE(lines.size() == 4);
    CHECK(lines[2] == "       1 B  1 file            course/week1/\n");
    CHECK(lines[3].substr(30) == "course/link -> week1\n");
    listing.add(file("slides.pdf", 0));
    REQUIRE(lines.size() == 6);
    CHECK(lines[4].substr(12, 8) == "2 files ");
    CHECK(lines[4].substr(30) == "course/\n");
    CHECK(listing.size() == 6);
    listing.finish();
    REQUIRE(lines.size() == 7);
    CHECK(lines[6] == "3 files in 2 folders, 1 link, 2.00 KiB\n");
}

TEST_CASE("a listing holds nothing of the entries that came, however many", "[share]") {
    // A hostile share's many long paths: each line goes out as its entry comes, so what the
    // listing holds is the folders the walk is in (here one), whatever came before.
    std::size_t printed = 0;
    share_listing listing([&](const std::string& line) {
        ++printed;
        CHECK(line.size() > 4000);
    });
    listing.add(folder("d"));
    const std::string name(4000, 'n');
    for (std::size_t i = 1; i <= 20'000; ++i) {
        listing.add(file("d/" + name + std::to_string(i), 1));
        REQUIRE(printed == i);  // printed at once, not kept for later
    }
}
