// An interrupted transfer of a folder continues where it stopped when it is run again (a new
// code, the same folder): the receiver keeps the entries it wrote whole with a journal, the
// sender checks each against its own files, and only the rest crosses.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>

#include "tests/support/helpers.hpp"
#include "tests/support/resume_runs.hpp"

using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t files = 1000;
constexpr std::uint64_t file_size = 64 * 1024;
constexpr std::uint64_t tree_size = files * file_size;

// Regular files staged below the partial folder (written, not necessarily journaled yet).
std::size_t staged_files(const fs::path& out) {
    const auto folder = partial_folder(out);
    if (folder.empty()) return 0;
    std::size_t n = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(folder / "tree", ec), end; !ec && it != end;
         it.increment(ec)) {
        if (it->is_regular_file(ec)) ++n;
    }
    return n;
}

// photos/d00 .. d09, each with 100 files of 64 KiB.
fs::path make_photos(const fs::path& in) {
    const auto root = in / "photos";
    for (std::size_t i = 0; i < files; ++i) {
        const auto dir = root / fmt::format("d{:02}", i / 100);
        fs::create_directories(dir);
        make_file(dir / fmt::format("f{:04}.bin", i), file_size, static_cast<std::uint32_t>(i + 1));
    }
    return root;
}

std::map<std::string, std::string> digests_below(const fs::path& root) {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (e.is_regular_file()) out[fs::relative(e.path(), root).string()] = sha256_of(e.path());
    }
    return out;
}

// Sends the folder paced (about 4 s in all) and stops one side once the receiver has written
// `at` files.
first_try interrupted(const std::string& relay, const fs::path& root, const fs::path& out,
                      std::size_t at, stop how) {
    auto t = run_interrupted(relay, {root}, out, [&] { return staged_files(out) >= at; }, how,
                             {"--limit-rate", "16M"});
    REQUIRE(t.started);
    REQUIRE(t.reached);
    return t;
}

second_try again(const relay_fixture& relay, const fs::path& root, const fs::path& out) {
    auto t = run_again(relay, {root}, out, {"--yes"}, {});
    REQUIRE(t.started);
    return t;
}

// The photos sent again after a stop at about half: what was kept is taken, only the rest
// crosses, and the tree arrives whole with nothing else left in `out`.
void check_resumed(const second_try& second, const fs::path& root, const temp_dir& out) {
    INFO(second.receiver_errors << second.sender_errors);
    CHECK(second.receiver_exit == 0);
    CHECK(second.sender_exit == 0);
    CHECK_THAT(second.receiver_errors, Catch::Contains("were already here"));
    CHECK(second.crossed <= tree_size * 55 / 100);
    CHECK(digests_below(out.path / "photos") == digests_below(root));
    CHECK(out.entries() == std::vector<std::string>{"photos"});
}

// The relay, and the photos (make_photos) in `in` to send into `out`.
struct photos_setup {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    const fs::path root = make_photos(in.path);
};

}  // namespace

TEST_CASE_METHOD(photos_setup,
                 "a folder of 1000 files stopped halfway resumes and only the rest crosses",
                 "[e2e][resume][tree]") {
    const auto how = GENERATE(stop::receiver_killed, stop::sender_killed,
                              stop::receiver_interrupted, stop::sender_interrupted);
    const auto first = interrupted(relay.address(), root, out.path, files / 2, how);
    INFO(first.receiver_errors);
    if (how == stop::receiver_interrupted) {
        CHECK(first.receiver_exit == exit_interrupted);
    } else if (how != stop::receiver_killed) {
        CHECK(first.receiver_exit == exit_peer);
    }
    if (how != stop::receiver_killed) {
        CHECK_THAT(first.receiver_errors, Catch::Contains("of partial data in") &&
                                              Catch::Contains("ferry receive --discard-partial"));
    }
    CHECK(!fs::exists(out.path / "photos"));  // nothing under a final name
    REQUIRE(!partial_folder(out.path).empty());

    const auto second = again(relay, root, out.path);
    check_resumed(second, root, out);
}

TEST_CASE_METHOD(photos_setup,
                 "a kept file changed on the sender since is sent again with all after it",
                 "[e2e][resume][tree]") {
    interrupted(relay.address(), root, out.path, files / 2, stop::receiver_killed);
    // The same size and time, one byte changed: only its bytes tell.
    const auto changed = root / "d01" / "f0150.bin";
    const auto time = fs::last_write_time(changed);
    flip_byte(changed, 100);
    fs::last_write_time(changed, time);
    const auto second = again(relay, root, out.path);
    INFO(second.receiver_errors << second.sender_errors);
    CHECK(second.receiver_exit == 0);
    CHECK_THAT(second.receiver_errors, Catch::Contains("changed since and comes again"));
    CHECK(second.crossed >= (files - 150) * file_size);
    CHECK(digests_below(out.path / "photos") == digests_below(root));
}

TEST_CASE_METHOD(photos_setup, "a truncated garbled or foreign journal means a fresh start",
                 "[e2e][resume][tree]") {
    const auto damage = GENERATE(as<std::string>{}, "truncated", "garbled", "foreign");
    interrupted(relay.address(), root, out.path, files / 4, stop::receiver_killed);
    const auto journal = partial_folder(out.path) / "journal";
    REQUIRE(fs::exists(journal));
    if (damage == "truncated") fs::resize_file(journal, 50);
    if (damage == "garbled") flip_byte(journal, 10);  // in the transfer id: the chain breaks
    if (damage == "foreign") {                        // another folder's journal
        temp_dir other_in;
        temp_dir other_out;
        // Another top-level name: another folder's id (a folder of the same name would share
        // this one's, and the sender's checks would decide what is kept).
        const auto other = other_in.path / "albums";
        fs::rename(make_photos(other_in.path), other);
        interrupted(relay.address(), other, other_out.path, 10, stop::receiver_killed);
        fs::copy_file(partial_folder(other_out.path) / "journal", journal,
                      fs::copy_options::overwrite_existing);
    }
    const auto second = again(relay, root, out.path);
    INFO(damage << ": " << second.receiver_errors);
    CHECK(second.receiver_exit == 0);
    CHECK(second.receiver_errors.find("already here") == std::string::npos);
    CHECK(second.crossed >= tree_size);
    CHECK(digests_below(out.path / "photos") == digests_below(root));
    CHECK(out.entries() == std::vector<std::string>{"photos"});
}

TEST_CASE_METHOD(photos_setup, "discard-partial removes a kept folder transfer",
                 "[e2e][resume][tree]") {
    interrupted(relay.address(), root, out.path, 100, stop::receiver_killed);
    REQUIRE(!partial_folder(out.path).empty());
    process discard({ferry_binary(), "receive", "--discard-partial", "-o", out.path.string()});
    CHECK(discard.wait(30s) == 0);
    CHECK_THAT(discard.output(), Catch::Contains("Removed 1 partial transfer"));
    CHECK(partial_folder(out.path).empty());
}

TEST_CASE("a tree stopped by a full disk keeps the files written and once freed resumes",
          "[e2e][resume][tree]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    const auto root = in.path / "t";
    for (const char* part : {"a", "c"}) {
        fs::create_directories(root / part);
        for (int i = 0; i < 200; ++i) {
            make_file(root / part / fmt::format("f{:03}", i), file_size,
                      static_cast<std::uint32_t>(i + (part[0] == 'a' ? 1 : 500)));
        }
    }
    constexpr std::uint64_t big = std::uint64_t{8} << 20U;
    make_file(root / "b.bin", big, 77);  // in walk order between a/ and c/
    const std::uint64_t total = 400 * file_size + big;
    // A file size limit of 4 MiB: the disk "fills up" in b.bin.
    const auto first = run_on_full_disk(relay.address(), {root}, out.path, 4 << 20U);
    REQUIRE(first.started);
    CHECK(first.receiver_exit == exit_local_io);
    const auto& errors = first.receiver_errors;
    INFO(errors);
    CHECK_THAT(errors, Catch::Contains("File too large") && Catch::Contains("of partial data in"));
    CHECK(out.final_entries().empty());
    const auto second = again(relay, root, out.path);
    INFO(second.receiver_errors << second.sender_errors);
    CHECK(second.receiver_exit == 0);
    CHECK_THAT(second.receiver_errors, Catch::Contains("202 entries"));  // t, t/a and its 200 files
    // What was not kept (b.bin and c/) crosses, with the records' overhead, and no more.
    const std::uint64_t rest = big + 200 * file_size;
    CHECK(second.crossed >= rest);
    CHECK(second.crossed <= rest * 105 / 100);
    CHECK(rest < total * 2 / 3);
    CHECK(digests_below(out.path / "t") == digests_below(root));
}

TEST_CASE_METHOD(photos_setup,
                 "a kept symlink retargeted between two tries is made again as the sender has it",
                 "[e2e][resume][tree]") {
    fs::create_symlink("d00/f0000.bin", root / "a_link");  // entry 1 in walk order
    interrupted(relay.address(), root, out.path, files / 2, stop::receiver_killed);
    const auto kept_link = partial_folder(out.path) / "tree" / "photos" / "a_link";
    REQUIRE(fs::is_symlink(fs::symlink_status(kept_link)));
    fs::remove(kept_link);  // someone changes the kept folder before the next try
    fs::create_symlink("../../../../../../etc/passwd", kept_link);
    const auto second = again(relay, root, out.path);
    INFO(second.receiver_errors << second.sender_errors);
    CHECK(second.receiver_exit == 0);
    CHECK(fs::read_symlink(out.path / "photos" / "a_link") == "d00/f0000.bin");
    CHECK(digests_below(out.path / "photos") == digests_below(root));
    CHECK(out.entries() == std::vector<std::string>{"photos"});
}

TEST_CASE_METHOD(
    photos_setup,
    "a folder changed since it was stopped resumes from the first change and leaves no "
    "partial",
    "[e2e][resume][tree]") {
    interrupted(relay.address(), root, out.path, files / 2, stop::receiver_killed);
    REQUIRE(!partial_folder(out.path).empty());
    {  // near the end: one file grows, another goes
        std::ofstream grown(root / "d09" / "f0990.bin", std::ios::binary | std::ios::app);
        grown << std::string(1000, 'x');
    }
    fs::remove(root / "d09" / "f0995.bin");
    const auto second = again(relay, root, out.path);
    check_resumed(second, root, out);  // no .ferry-partial-* left either
}
