// The pieces of a tree transfer without a network: the sender's plan and records, the receiver's
// checks, its staging folder and writer, and the two joined.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "common/crypto/sha256.hpp"
#include "common/ui/exit_code.hpp"
#include "common/wire/record_format.hpp"
#include "receiver/staging_tree.hpp"
#include "receiver/tree_checker.hpp"
#include "receiver/tree_writer.hpp"
#include "sender/tree_plan.hpp"
#include "sender/tree_reader.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;

namespace {

void write_text(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

msg::offer one_folder_offer(std::uint32_t files, std::uint64_t size) {
    msg::offer o(static_cast<std::uint8_t>(msg::offer_kind::tree), size, "");
    o.files = files;
    o.folders = 1;
    o.items.push_back(msg::offer_item{msg::entry_type::folder, files, size, "d"});
    return o;
}

msg::entry file_entry(std::string path, std::uint64_t size) {
    return msg::entry{msg::entry_type::file, 0644, 0, size, std::move(path), ""};
}

msg::entry folder_entry(std::string path) {
    return msg::entry{msg::entry_type::folder, 0, 0, 0, std::move(path), ""};
}

// Every record payload a tree_reader produces for the plan, in order.
std::vector<std::vector<std::uint8_t>> all_records(const sender::tree_plan& plan,
                                                   std::size_t batch = 256 * 1024) {
    sender::tree_reader reader(plan);
    std::vector<std::vector<std::uint8_t>> out;
    std::vector<std::uint8_t> buffer(batch);
    for (;;) {
        const auto n = reader.fill(buffer);
        if (n == 0) return out;
        for (std::size_t at = 0; at < n;) {
            const auto length = get_u32(buffer.data() + at);
            out.emplace_back(buffer.begin() + static_cast<std::ptrdiff_t>(at + 4),
                             buffer.begin() + static_cast<std::ptrdiff_t>(at + 4 + length));
            at += 4 + length;
        }
    }
}

}  // namespace

TEST_CASE("the walk plans folders before their contents, sorted, and counts them", "[tree]") {
    temp_dir dir;
    fs::create_directories(dir.path / "d" / "b" / "empty");
    write_text(dir.path / "d" / "z.txt", "zz");
    write_text(dir.path / "d" / "a.txt", "a");
    write_text(dir.path / "d" / "b" / "c.txt", "ccc");
    fs::create_symlink("a.txt", dir.path / "d" / "b" / "inside");  // d/b/inside -> d/b/a.txt
    fs::create_symlink("/etc/passwd", dir.path / "d" / "abs");
    REQUIRE(::mkfifo((dir.path / "d" / "fifo").c_str(), 0600) == 0);
    write_text(dir.path / "loose.txt", "loose");

    const auto plan = sender::plan_tree({dir.path / "d", dir.path / "loose.txt"});
    std::vector<std::string> paths;
    for (const auto& e : plan.entries)
        paths.push_back(e.path);
    CHECK(paths == std::vector<std::string>{"d", "d/a.txt", "d/b", "d/b/c.txt", "d/b/empty",
                                            "d/b/inside", "d/z.txt", "loose.txt"});
    CHECK(plan.offer.files == 4);
    CHECK(plan.offer.folders == 3);
    CHECK(plan.offer.symlinks == 1);
    CHECK(plan.offer.size == 11);
    REQUIRE(plan.offer.items.size() == 2);
    CHECK(plan.offer.items[0].files == 3);
    CHECK(plan.offer.items[0].size == 6);
    CHECK(plan.offer.items[1].type == msg::entry_type::file);
    REQUIRE(plan.notices.size() == 2);
    CHECK_THAT(plan.notices[0],
               Catch::Contains("skipped d/abs") && Catch::Contains("absolute path"));
    CHECK_THAT(plan.notices[1], Catch::Contains("skipped d/fifo: a FIFO"));
    CHECK(plan.local_path(plan.entries[3]) == dir.path / "d" / "b" / "c.txt");
    CHECK(sender::describe_plan(plan.offer) == "2 items: 4 files in 3 folders and 1 symlink, 11 B");
}

TEST_CASE("the walk refuses what could not be sent, before any offer", "[tree]") {
    temp_dir dir;
    fs::create_directories(dir.path / "a");
    fs::create_directories(dir.path / "b");
    write_text(dir.path / "a" / "x", "1");
    write_text(dir.path / "b" / "x", "2");
    CHECK_THROWS_WITH(sender::plan_tree({dir.path / "a" / "x", dir.path / "b" / "x"}),
                      Catch::Contains("two items are named 'x'"));
    write_text(dir.path / "a" / "bad\x1b[31mname", "3");
    try {
        sender::plan_tree({dir.path / "a"});
        FAIL("an unsafe name was planned");
    } catch (const failure& f) {
        CHECK(f.code() == exit_code::usage);
        CHECK_THAT(f.what(), Catch::Contains("control characters"));
    }
    CHECK_THROWS_WITH(sender::plan_tree({dir.path / "missing"}), Catch::Contains("No such file"));
}

TEST_CASE("the reader's records carry each file whole, with its digest, in any batch size",
          "[tree]") {
    temp_dir dir;
    fs::create_directories(dir.path / "d" / "e");
    make_file(dir.path / "d" / "big.bin", 700 * 1024, 7);
    write_text(dir.path / "d" / "e" / "small.txt", "small");
    write_text(dir.path / "d" / "empty", "");
    const auto plan = sender::plan_tree({dir.path / "d"});
    for (const std::size_t batch :
         {std::size_t{70 * 1024}, std::size_t{300 * 1024}, std::size_t{4} << 20U}) {
        const auto records = all_records(plan, batch);
        receiver::tree_checker check(plan.offer);
        std::map<std::string, std::string> files;
        std::string current;
        sha256 hash;
        for (const auto& r : records) {
            if (r[0] == static_cast<std::uint8_t>(msg::type::data)) {
                check.on_data(r.size() - 1);
                files[current].append(reinterpret_cast<const char*>(r.data()) + 1, r.size() - 1);
                hash.update(byte_span(r).subspan(1));
                continue;
            }
            const auto m = msg::decode(r);
            if (const auto* e = std::get_if<msg::entry>(&m)) {
                CHECK(check.on_entry(*e) == receiver::tree_checker::verdict::take);
                if (e->type == msg::entry_type::file) current = e->path, files[current];
            } else {
                check.on_file_end();
                CHECK(std::get<msg::file_end>(m).sha256 == hash.finish());
                hash.reset();
            }
        }
        check.on_done();
        CHECK(files.size() == 3);
        CHECK(files["d/e/small.txt"] == "small");
        CHECK(files["d/empty"].empty());
        CHECK(files["d/big.bin"].size() == 700 * 1024);
        CHECK(files["d/big.bin"] == read_text(dir.path / "d" / "big.bin"));
    }
}

TEST_CASE("a file that changed since the walk stops the reader, naming it", "[tree]") {
    temp_dir dir;
    fs::create_directories(dir.path / "d");
    write_text(dir.path / "d" / "log.txt", "one");
    const auto plan = sender::plan_tree({dir.path / "d"});
    const bool removed = GENERATE(false, true);
    if (removed) {
        fs::remove(dir.path / "d" / "log.txt");
    } else {
        write_text(dir.path / "d" / "log.txt", "one and two");
    }
    try {
        all_records(plan);
        FAIL("a changed file was read");
    } catch (const failure& f) {
        CHECK(f.code() == exit_code::local_io);
        CHECK_THAT(f.what(),
                   Catch::Contains("d/log.txt") && Catch::Contains("while it was being sent"));
        CHECK_THAT(f.what(), Catch::Contains(removed ? "was removed" : "changed"));
    }
}

TEST_CASE("the checker refuses records that break the rules or the offer", "[tree]") {
    const auto offer = one_folder_offer(1, 3);
    receiver::tree_checker check(offer);
    const auto refused = [&](const msg::entry& e, const char* why) {
        receiver::tree_checker fresh(offer);
        fresh.on_entry(folder_entry("d"));
        try {
            fresh.on_entry(e);
            FAIL("accepted " << e.path);
        } catch (const failure& f) {
            CHECK(f.code() == exit_code::network);
            CHECK_THAT(f.what(), Catch::Contains(why));
        }
    };
    refused(file_entry("d/../x", 1), "directory reference");
    refused(file_entry("/etc/x", 1), "absolute");
    refused(file_entry("d//x", 1), "empty component");
    refused(file_entry("e/x", 1), "not in one of the offered items");
    refused(file_entry("d/x", 4), "larger than offered");
    refused(file_entry("d/\xe2\x80\xae"
                       "fdp.exe",
                       1),
            "bidirectional");

    check.on_entry(folder_entry("d"));
    check.on_entry(file_entry("d/x", 3));
    CHECK_THROWS_WITH(check.on_entry(file_entry("d/y", 0)),
                      Catch::Contains("before this file's end"));
    CHECK_THROWS_WITH(check.on_data(4), Catch::Contains("more bytes than the file's size"));
    check.on_data(2);
    CHECK_THROWS_WITH(check.on_file_end(), Catch::Contains("1 byte short"));
    CHECK_THROWS_WITH(check.on_done(), Catch::Contains("in the middle of this file"));
    check.on_data(1);
    check.on_file_end();
    CHECK_THROWS_WITH(check.on_entry(folder_entry("d/more")),
                      Catch::Contains("more entries than it offered"));
    check.on_done();
}

TEST_CASE("the checker wants every offered item, a folder before its contents", "[tree]") {
    const auto offer = one_folder_offer(1, 3);
    receiver::tree_checker early(offer);
    CHECK_THROWS_WITH(early.on_entry(file_entry("d/x", 3)), Catch::Contains("before its folder"));
    receiver::tree_checker missing(offer);
    missing.on_entry(folder_entry("d"));
    CHECK_THROWS_WITH(missing.on_done(), Catch::Contains("0 files of 0 B arrived"));
    receiver::tree_checker wrong_type(offer);
    CHECK_THROWS_WITH(wrong_type.on_entry(file_entry("d", 3)),
                      Catch::Contains("not the one offered"));
    msg::offer with_file(static_cast<std::uint8_t>(msg::offer_kind::tree), 1, "");
    with_file.files = 1;
    with_file.folders = 1;  // room for one more entry: the rule, not the count, refuses it
    with_file.items.push_back(msg::offer_item{msg::entry_type::file, 1, 1, "f"});
    receiver::tree_checker below_file(with_file);
    below_file.on_entry(file_entry("f", 1));
    below_file.on_data(1);
    below_file.on_file_end();
    CHECK_THROWS_WITH(below_file.on_entry(file_entry("f/x", 0)), Catch::Contains("below a file"));
}

TEST_CASE("the checker skips symlinks that could lead out, with a notice", "[tree]") {
    auto offer = one_folder_offer(0, 0);
    offer.symlinks = 2;
    receiver::tree_checker check(offer);
    check.on_entry(folder_entry("d"));
    CHECK(check.on_entry(msg::entry{msg::entry_type::symlink, 0, 0, 0, "d/in", "x"}) ==
          receiver::tree_checker::verdict::take);
    CHECK(check.on_entry(msg::entry{msg::entry_type::symlink, 0, 0, 0, "d/out", "../x"}) ==
          receiver::tree_checker::verdict::skip);
    CHECK_THAT(check.notice(), Catch::Contains("skipped d/out") && Catch::Contains("outside"));
    check.on_done();
}

TEST_CASE("the staging folder keeps everything inside and refuses what the file system shows",
          "[tree]") {
    temp_dir dir;
    std::string staging;
    {
        receiver::staging_tree tree(dir.path);
        staging = tree.name();
        CHECK(fs::is_directory(dir.path / staging));
        tree.make_folder("d");
        tree.make_folder("d/sub");
        tree.make_symlink("d/link", "sub");
        const int fd = tree.create_file("d/f");
        tree.close_file(fd, "d/f", 0, 0);
        const auto refused = [&](auto&& step, const char* why) {
            try {
                step();
                FAIL("not refused: " << why);
            } catch (const failure& f) {
                CHECK(f.code() == exit_code::network);
                CHECK_THAT(f.what(), Catch::Contains(why));
            }
        };
        refused([&] { tree.make_folder("d/sub"); }, "twice");
        refused([&] { ::close(tree.create_file("d/f")); }, "twice");
        refused([&] { ::close(tree.create_file("d/link/x")); }, "below a symlink");
        refused([&] { ::close(tree.create_file("d/f/x")); }, "below a file");
        refused([&] { tree.make_folder("d/none/x"); }, "before its folder");
        CHECK_FALSE(fs::exists(dir.path / staging / "d" / "sub" / "x"));
    }
    // Not committed: the staging folder and everything in it are gone.
    CHECK(dir.entries().empty());
}

TEST_CASE("commit gives each item a free final name, and the staging folder goes", "[tree]") {
    temp_dir dir;
    fs::create_directories(dir.path / "photos");
    write_text(dir.path / "report.pdf", "old");
    {
        receiver::staging_tree tree(dir.path);
        tree.make_folder("photos");
        const int fd = tree.create_file("photos/new.jpg");
        REQUIRE(::write(fd, "jpg", 3) == 3);
        tree.close_file(fd, "photos/new.jpg", 0755, 1'577'934'245'123'456'789);
        const int pdf = tree.create_file("report.pdf");
        tree.close_file(pdf, "report.pdf", 0644, -1);
        tree.sync();
        const auto names = tree.commit({{msg::entry_type::folder, 1, 3, "photos"},
                                        {msg::entry_type::file, 1, 0, "report.pdf"}});
        CHECK(names == std::vector<std::string>{"photos (1)", "report (1).pdf"});
    }
    auto entries = dir.entries();
    std::sort(entries.begin(), entries.end());
    CHECK(entries ==
          std::vector<std::string>{"photos", "photos (1)", "report (1).pdf", "report.pdf"});
    CHECK(read_text(dir.path / "report.pdf") == "old");
    const auto jpg = dir.path / "photos (1)" / "new.jpg";
    CHECK(read_text(jpg) == "jpg");
    struct stat st {};
    REQUIRE(::stat(jpg.c_str(), &st) == 0);
    CHECK((st.st_mode & S_IXUSR) != 0);
    CHECK(st.st_mtim.tv_sec == 1'577'934'245);
    CHECK(st.st_mtim.tv_nsec == 123'456'789);
    REQUIRE(::stat((dir.path / "report (1).pdf").c_str(), &st) == 0);
    CHECK((st.st_mode & S_IXUSR) == 0);
    CHECK(st.st_mtim.tv_sec == -1);
    CHECK(st.st_mtim.tv_nsec == 999'999'999);
}

TEST_CASE("the writer applies records on its thread and catches a damaged file", "[tree]") {
    temp_dir dir;
    const auto entry = [](const msg::entry& e) { return msg::encode(e); };
    std::vector<std::uint8_t> data{static_cast<std::uint8_t>(msg::type::data), 'a', 'b', 'c'};
    sha256 h;
    h.update(byte_span(data).subspan(1));
    const auto good = h.finish();
    {
        receiver::staging_tree tree(dir.path);
        receiver::tree_writer writer(tree);
        writer.post(entry(folder_entry("d")));
        writer.post(entry(file_entry("d/x", 3)));
        writer.post(data);
        writer.post(msg::encode(msg::file_end{good}));
        writer.finish();
        CHECK(read_text(dir.path / tree.name() / "d" / "x") == "abc");
        writer.post(entry(file_entry("d/y", 3)));
        writer.post(data);
        msg::digest wrong{};
        writer.post(msg::encode(msg::file_end{wrong}));
        try {
            writer.finish();
            FAIL("a damaged file was kept");
        } catch (const failure& f) {
            CHECK(f.code() == exit_code::integrity);
            CHECK_THAT(f.what(), Catch::Contains("'d/y' arrived damaged"));
        }
    }
    CHECK(dir.entries().empty());
}

TEST_CASE("a symlink named on the command line is followed, to a file as to a folder", "[tree]") {
    temp_dir dir;
    write_text(dir.path / "real.txt", "real");
    fs::create_directories(dir.path / "real-dir");
    write_text(dir.path / "real-dir" / "x", "x");
    fs::create_symlink("real.txt", dir.path / "link.txt");
    fs::create_symlink("real-dir", dir.path / "link-dir");
    const auto plan = sender::plan_tree({dir.path / "link.txt", dir.path / "link-dir"});
    CHECK(plan.offer.items[0].name == "link.txt");
    CHECK(plan.offer.items[0].type == msg::entry_type::file);
    CHECK(plan.offer.items[1].type == msg::entry_type::folder);
    std::size_t data_bytes = 0;
    for (const auto& r : all_records(plan)) {
        if (r[0] == static_cast<std::uint8_t>(msg::type::data)) data_bytes += r.size() - 1;
    }
    CHECK(data_bytes == 5);
}

TEST_CASE("a name is found byte for byte, whatever the filesystem thinks of case", "[tree]") {
    temp_dir dir;
    write_text(dir.path / "README", "r");
    const int fd = ::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    CHECK(receiver::has_exactly(fd, "README"));
    CHECK_FALSE(receiver::has_exactly(fd, "Readme"));
    CHECK_FALSE(receiver::has_exactly(fd, "READM"));
    ::close(fd);
}
