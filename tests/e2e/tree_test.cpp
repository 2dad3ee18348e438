// ferry send PATH...: files and folders in one transfer, with the real binary on both sides
// through a real relay: contents and structure, metadata, symlinks and what is skipped, name
// clashes, refusals, a file changing during the transfer, the Accept? question for a tree.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "tests/support/fake_receiver.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

void append_text(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << text;
}

// Every entry below root (symlinks not followed), by relative path: "folder", "file <sha256>",
// "symlink -> target", or "other".
std::map<std::string, std::string> listing(const fs::path& root) {
    std::map<std::string, std::string> out;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
         ++it) {
        const auto rel = it->path().lexically_relative(root).string();
        const auto st = it->symlink_status();
        if (fs::is_symlink(st)) {
            out[rel] = "symlink -> " + fs::read_symlink(it->path()).string();
        } else if (fs::is_directory(st)) {
            out[rel] = "folder";
        } else if (fs::is_regular_file(st)) {
            out[rel] = "file " + sha256_of(it->path());
        } else {
            out[rel] = "other";
        }
    }
    return out;
}

std::vector<std::string> sorted_entries(const temp_dir& dir) {
    auto names = dir.entries();
    std::sort(names.begin(), names.end());
    return names;
}

bool has_staging_folder(const fs::path& dir) {
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().filename().string().starts_with(".ferry-")) return true;
    }
    return false;
}

// The size of `rel` in the receiver's staging folder below `out`; 0 while there is none.
std::uint64_t staged_size(const fs::path& out, const std::string& rel) {
    try {
        for (const auto& e : fs::directory_iterator(out)) {
            if (!e.path().filename().string().starts_with(".ferry-")) continue;
            std::error_code ec;
            const auto size = fs::file_size(e.path() / rel, ec);
            if (!ec) return size;
            const auto resumable = fs::file_size(e.path() / "tree" / rel, ec);  // .ferry-partial-*
            if (!ec) return resumable;
        }
    } catch (const fs::filesystem_error&) {
        // the staging folder went while it was looked at
    }
    return 0;
}

struct stat lstat_of(const fs::path& path) {
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st;
}

struct finished {
    int sender_exit;
    int receiver_exit;
    std::string sender_output;
    std::string sender_errors;
    std::string receiver_output;
    std::string receiver_errors;
};

// A loud sender of `paths` and a receiver (--yes) into `out`, both to their end.
finished send_tree(const std::string& relay, const std::vector<fs::path>& paths,
                   const fs::path& out) {
    auto s = start_loud_sender(relay, paths);
    INFO(s.first_line << s.proc->error_output());
    REQUIRE(!s.code.empty());
    auto r = start_receiver(relay, s.code, out);
    finished f{};
    f.receiver_output = r->read_output_to_end(120s);
    f.receiver_exit = r->wait(120s);
    f.sender_output = s.first_line + "\n" + s.proc->read_output_to_end(120s);
    f.sender_exit = s.proc->wait(120s);
    f.sender_errors = s.proc->error_output();
    f.receiver_errors = r->error_output();
    return f;
}

// A unix socket bound at `path`; the socket file stays after the descriptor is closed.
void make_socket_file(const fs::path& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.string().size() < sizeof addr.sun_path);
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    const int bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    ::close(fd);
    REQUIRE(bound == 0);
}

// The relay, and `in` with the folder `dir` in it (made by each test) to send into `out`.
struct tree_setup {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    const fs::path dir = in.path / "dir";
};

}  // namespace

TEST_CASE_METHOD(tree_setup, "a tree and a loose file arrive whole, byte for byte", "[tree][e2e]") {
    fs::create_directories(dir / "nested" / "a" / "b");
    fs::create_directories(dir / "empty-folder");
    fs::create_directories(dir / "many");
    make_file(in.path / "file.txt", 1234, 1);
    make_file(dir / "empty.txt", 0);
    make_file(dir / "big.bin", 5 * 1024 * 1024, 2);
    make_file(dir / "nested" / "a" / "b" / "deep.txt", 777, 3);
    for (int i = 0; i < 200; ++i) {
        make_file(dir / "many" / fmt::format("f{:03}.dat", i),
                  static_cast<std::uint64_t>(1 + i * 37 % 3000), static_cast<std::uint32_t>(i));
    }
    // 1 + 3 + 200 files; dir, empty-folder, many, nested, nested/a, nested/a/b.
    const auto t = send_tree(relay.address(), {in.path / "file.txt", dir}, out.path);
    INFO("sender: " << t.sender_output << t.sender_errors);
    INFO("receiver: " << t.receiver_output << t.receiver_errors);
    CHECK(t.receiver_exit == 0);
    CHECK(t.sender_exit == 0);
    CHECK_THAT(t.sender_output, Catch::StartsWith("Sending 2 items: 204 files in 6 folders, "));
    CHECK_THAT(t.receiver_output, Catch::Contains("Saved 2 items"));
    CHECK(sorted_entries(out) == std::vector<std::string>{"dir", "file.txt"});
    CHECK(sha256_of(out.path / "file.txt") == sha256_of(in.path / "file.txt"));
    const auto sent = listing(dir);
    const auto got = listing(out.path / "dir");
    CHECK(sent.size() == 204 - 1 + 5);  // files below dir and the folders below it
    CHECK(got == sent);
    CHECK(fs::is_directory(out.path / "dir" / "empty-folder"));
    CHECK(fs::is_empty(out.path / "dir" / "empty-folder"));
    CHECK(fs::file_size(out.path / "dir" / "empty.txt") == 0);
    CHECK(sha256_of(out.path / "dir" / "big.bin") == sha256_of(dir / "big.bin"));
    CHECK(!has_staging_folder(out.path));
}

TEST_CASE_METHOD(tree_setup, "modification times and the executable bit arrive, setuid never",
                 "[tree][e2e]") {
    fs::create_directories(dir);
    make_file(dir / "old.txt", 100, 1);
    make_file(dir / "run.sh", 100, 2);
    make_file(dir / "plain.txt", 100, 3);
    make_file(dir / "suid", 100, 4);
    make_file(in.path / "loose.bin", 100, 5);
    REQUIRE(::chmod((dir / "run.sh").c_str(), 0755) == 0);
    REQUIRE(::chmod((dir / "plain.txt").c_str(), 0644) == 0);
    REQUIRE(::chmod((dir / "suid").c_str(), 04755) == 0);
    REQUIRE((lstat_of(dir / "suid").st_mode & S_ISUID) != 0);
    // 2020-01-02 00:00:00 UTC and some nanoseconds, on a file inside and on a loose one.
    const timespec when[2] = {{0, UTIME_OMIT}, {1577923200, 123456789}};
    REQUIRE(::utimensat(AT_FDCWD, (dir / "old.txt").c_str(), when, 0) == 0);
    REQUIRE(::utimensat(AT_FDCWD, (in.path / "loose.bin").c_str(), when, 0) == 0);

    const auto t = send_tree(relay.address(), {dir, in.path / "loose.bin"}, out.path);
    INFO("sender: " << t.sender_output << t.sender_errors);
    INFO("receiver: " << t.receiver_output << t.receiver_errors);
    REQUIRE(t.receiver_exit == 0);
    CHECK(t.sender_exit == 0);
    for (const auto& p : {out.path / "dir" / "old.txt", out.path / "loose.bin"}) {
        INFO(p);
        const auto st = lstat_of(p);
        CHECK(st.st_mtim.tv_sec == 1577923200);
        CHECK(st.st_mtim.tv_nsec == 123456789);
    }
    const auto run = lstat_of(out.path / "dir" / "run.sh");
    CHECK((run.st_mode & S_IXUSR) != 0);
    const auto plain = lstat_of(out.path / "dir" / "plain.txt");
    CHECK((plain.st_mode & 0111) == 0);
    const auto suid = lstat_of(out.path / "dir" / "suid");
    CHECK(S_ISREG(suid.st_mode));
    CHECK((suid.st_mode & S_ISUID) == 0);
    CHECK((suid.st_mode & S_ISGID) == 0);
    CHECK((suid.st_mode & S_IXUSR) != 0);
    CHECK(sha256_of(out.path / "dir" / "suid") == sha256_of(dir / "suid"));
}

TEST_CASE_METHOD(tree_setup,
                 "symlinks inside stay links, escaping ones and special files are skipped",
                 "[tree][e2e]") {
    fs::create_directories(dir / "sub");
    make_file(dir / "a.txt", 4000, 1);
    make_file(in.path / "outside", 10, 2);
    fs::create_symlink("../a.txt", dir / "sub" / "l");
    fs::create_symlink(in.path / "outside", dir / "abs");
    fs::create_symlink("../../outside", dir / "sub" / "esc");
    REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
    make_socket_file(dir / "sock");
    fs::create_hard_link(dir / "a.txt", dir / "hard");
    // A symlink on the command line is followed: the folder it points to, under its name.
    fs::create_directories(in.path / "real");
    make_file(in.path / "real" / "r.bin", 3000, 3);
    fs::create_directory_symlink("real", in.path / "alias");

    const auto t = send_tree(relay.address(), {dir, in.path / "alias"}, out.path);
    INFO("sender: " << t.sender_output << t.sender_errors);
    INFO("receiver: " << t.receiver_output << t.receiver_errors);
    REQUIRE(t.receiver_exit == 0);
    CHECK(t.sender_exit == 0);
    CHECK_THAT(t.sender_errors, Catch::Contains("skipped dir/abs"));
    CHECK_THAT(t.sender_errors, Catch::Contains("skipped dir/sub/esc"));
    CHECK_THAT(t.sender_errors, Catch::Contains("skipped dir/fifo"));
    CHECK_THAT(t.sender_errors, Catch::Contains("skipped dir/sock"));

    const auto got = out.path / "dir";
    REQUIRE(fs::is_symlink(got / "sub" / "l"));
    CHECK(fs::read_symlink(got / "sub" / "l") == "../a.txt");
    CHECK(sha256_of(got / "sub" / "l") == sha256_of(dir / "a.txt"));  // resolves inside
    for (const auto* name : {"abs", "sub/esc", "fifo", "sock"}) {
        INFO(name);
        CHECK(!fs::exists(fs::symlink_status(got / name)));
    }
    const auto a = lstat_of(got / "a.txt");
    const auto hard = lstat_of(got / "hard");
    CHECK(S_ISREG(hard.st_mode));
    CHECK(hard.st_ino != a.st_ino);
    CHECK(hard.st_nlink == 1);
    CHECK(sha256_of(got / "hard") == sha256_of(dir / "a.txt"));
    CHECK(listing(got) ==
          std::map<std::string, std::string>{{"a.txt", "file " + sha256_of(dir / "a.txt")},
                                             {"hard", "file " + sha256_of(dir / "a.txt")},
                                             {"sub", "folder"},
                                             {"sub/l", "symlink -> ../a.txt"}});

    CHECK(!fs::is_symlink(out.path / "alias"));
    CHECK(fs::is_directory(out.path / "alias"));
    CHECK(listing(out.path / "alias") == listing(in.path / "real"));
    CHECK(sorted_entries(out) == std::vector<std::string>{"alias", "dir"});
}

TEST_CASE_METHOD(tree_setup, "a tree received twice gets numbered names and the first copy stays",
                 "[tree][e2e]") {
    fs::create_directories(dir / "sub");
    make_file(dir / "x.txt", 1000, 1);
    make_file(dir / "sub" / "y.bin", 20000, 2);
    make_file(in.path / "report.pdf", 5000, 3);

    const auto first = send_tree(relay.address(), {dir, in.path / "report.pdf"}, out.path);
    INFO("first: " << first.sender_errors << first.receiver_errors);
    REQUIRE(first.receiver_exit == 0);
    REQUIRE(first.sender_exit == 0);
    const auto first_dir = listing(out.path / "dir");
    const auto first_report = sha256_of(out.path / "report.pdf");
    CHECK(first_dir == listing(dir));

    // The second tree differs: nothing of it may land in the first copy.
    make_file(dir / "x.txt", 1000, 11);
    make_file(dir / "new.txt", 300, 12);
    make_file(in.path / "report.pdf", 6000, 13);
    const auto second = send_tree(relay.address(), {dir, in.path / "report.pdf"}, out.path);
    INFO("second: " << second.receiver_output << second.sender_errors << second.receiver_errors);
    REQUIRE(second.receiver_exit == 0);
    CHECK(second.sender_exit == 0);
    CHECK_THAT(second.receiver_output,
               Catch::Contains("dir (1)/") && Catch::Contains("report (1).pdf"));
    CHECK(sorted_entries(out) ==
          std::vector<std::string>{"dir", "dir (1)", "report (1).pdf", "report.pdf"});
    CHECK(listing(out.path / "dir") == first_dir);
    CHECK(sha256_of(out.path / "report.pdf") == first_report);
    CHECK(listing(out.path / "dir (1)") == listing(dir));
    CHECK(sha256_of(out.path / "report (1).pdf") == sha256_of(in.path / "report.pdf"));
}

TEST_CASE("a folder cannot be received to standard output", "[tree][e2e]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    fs::create_directories(in.path / "dir");
    make_file(in.path / "dir" / "a.bin", 1000);
    auto s = start_sender(relay.address(), std::vector<fs::path>{in.path / "dir"});
    REQUIRE(!s.code.empty());
    auto r = start_receiver(relay.address(), s.code, out.path, {"--yes", "--stdout"});
    const auto written = r->read_output_to_end(60s);
    CHECK(r->wait(60s) == exit_usage);
    const auto receiver_errors = r->error_output();
    INFO(receiver_errors);
    CHECK(written.empty());
    CHECK_THAT(receiver_errors,
               Catch::Contains("files and folders cannot be written to standard output"));
    CHECK(out.entries().empty());
    // The sender keeps its code for a receiver that writes into a folder.
    auto into_folder = start_receiver(relay.address(), s.code, out.path);
    CHECK(into_folder->wait(60s) == 0);
    INFO(s.proc->error_output());
    CHECK(s.proc->wait(60s) == 0);
    CHECK(out.entries() == std::vector<std::string>{"dir"});
}

TEST_CASE("a receiver without folder support is told by name", "[tree][e2e]") {
    relay_fixture relay;
    temp_dir in;
    fs::create_directories(in.path / "dir");
    make_file(in.path / "dir" / "a.bin", 100);
    auto s = start_sender(relay.address(), std::vector<fs::path>{in.path / "dir"});
    REQUIRE(!s.code.empty());
    // single file, stream and text: no tree bit (0x8).
    CHECK(!receiver_announcing(relay.port(), s.code, 0x7));
    CHECK(s.proc->wait(60s) == exit_peer);
    CHECK_THAT(s.proc->error_output(),
               Catch::Contains("the receiver runs ferry 9.9.9, which cannot receive several "
                               "files or folders; it needs ferry 0.3 or later"));
}

TEST_CASE_METHOD(tree_setup,
                 "a file of the tree changed while it is sent fails on both sides, nothing saved",
                 "[tree][e2e]") {
    fs::create_directories(dir);
    make_file(dir / "a.txt", 1000, 1);
    // 64 MiB at 8 MiB/s: the change, made once the receiver has accepted, lands long before
    // the sender reaches the file's end.
    make_file(dir / "big.bin", std::uint64_t{64} << 20, 2);
    auto s = start_sender(relay.address(), std::vector<fs::path>{dir}, {"--limit-rate", "8M"});
    REQUIRE(!s.code.empty());
    auto r = start_receiver(relay.address(), s.code, out.path);
    REQUIRE(!r->wait_for_error_line("Receiving", 60s).empty());
    // Mid-file, not before the sender opened it: the receiver's copy is growing.
    REQUIRE(wait_until([&] { return staged_size(out.path, "dir/big.bin") >= (2U << 20U); }, 60s));
    append_text(dir / "big.bin", "more");
    REQUIRE(r->running());

    CHECK(s.proc->wait(120s) == exit_local_io);
    CHECK(r->wait(120s) == exit_peer);
    const auto sender_errors = s.proc->error_output();
    const auto receiver_errors = r->error_output();
    INFO("sender: " << sender_errors);
    INFO("receiver: " << receiver_errors);
    CHECK_THAT(sender_errors, Catch::Contains("dir/big.bin changed while it was being sent"));
    CHECK_THAT(receiver_errors, Catch::Contains("the sender stopped") &&
                                    Catch::Contains("dir/big.bin changed while it was being sent"));
    CHECK(out.final_entries().empty());  // a.txt may be kept, hidden, for a resume
}

TEST_CASE_METHOD(tree_setup, "Ctrl-C during a tree leaves nothing on either side", "[tree][e2e]") {
    const bool receiver_stopped = GENERATE(true, false);
    INFO((receiver_stopped ? "Ctrl-C at the receiver" : "Ctrl-C at the sender"));
    fs::create_directories(dir / "sub");
    make_file(dir / "sub" / "a.txt", 1000, 1);
    make_file(dir / "big.bin", std::uint64_t{64} << 20, 2);
    auto s = start_sender(relay.address(), std::vector<fs::path>{dir}, {"--limit-rate", "8M"});
    REQUIRE(!s.code.empty());
    auto r = start_receiver(relay.address(), s.code, out.path);
    // Files and folders exist below the staging folder: there is something to clean up.
    REQUIRE(wait_until([&] { return staged_size(out.path, "dir/big.bin") >= (2U << 20U); }, 60s));
    (receiver_stopped ? *r : *s.proc).kill(SIGINT);
    if (receiver_stopped) {
        CHECK(r->wait(60s) == exit_interrupted);
        CHECK(s.proc->wait(60s) == exit_peer);
    } else {
        CHECK(s.proc->wait(60s) == exit_interrupted);
        CHECK(r->wait(60s) == exit_peer);
    }
    INFO("receiver: " << r->error_output());
    CHECK(out.entries().empty());  // no final name, no .ferry-* folder
}

TEST_CASE("unreadable entries are named before a code is shown", "[tree][e2e]") {
    relay_fixture relay;
    temp_dir in;
    const auto dir = in.path / "dir";
    fs::create_directories(dir / "locked");
    make_file(dir / "fine.txt", 100, 1);
    make_file(dir / "secret", 100, 2);
    make_file(dir / "locked" / "inside.txt", 100, 3);
    REQUIRE(::chmod((dir / "secret").c_str(), 0) == 0);
    REQUIRE(::chmod((dir / "locked").c_str(), 0) == 0);
    std::vector<std::string> args;
    if (::geteuid() == 0) {
        // Root reads anything: the sender runs without the capabilities that bypass file
        // permissions, so that mode 000 applies to it as to anyone else.
        if (!fs::exists("/usr/bin/setpriv")) {
            WARN("running as root without /usr/bin/setpriv: the permissions cannot be tested");
            ::chmod((dir / "locked").c_str(), 0700);  // for temp_dir's cleanup
            SUCCEED("skipped");
            return;
        }
        args = {"/usr/bin/setpriv", "--bounding-set=-dac_override,-dac_read_search"};
    }
    const std::vector<std::string> send{ferry_binary(), "send", "--relay", relay.address(),
                                        dir.string()};
    args.insert(args.end(), send.begin(), send.end());
    process s(args);
    const auto said = s.read_output_to_end(60s);
    const auto code = s.wait(60s);
    const auto errors = s.error_output();
    ::chmod((dir / "locked").c_str(), 0700);  // for temp_dir's cleanup
    INFO(said << errors);
    CHECK(code == exit_local_io);
    CHECK(said.empty());  // no "Sending ... Code:" line
    CHECK_THAT(errors, Catch::Contains("dir/secret: Permission denied"));
    CHECK_THAT(errors, Catch::Contains("dir/locked: Permission denied"));
    CHECK_THAT(errors, Catch::Contains("cannot send 2 entries: "));  // not "2 entrys"
}

TEST_CASE("two items with the same name are refused", "[tree][e2e]") {
    temp_dir in;
    fs::create_directories(in.path / "a");
    fs::create_directories(in.path / "b");
    make_file(in.path / "a" / "x", 10, 1);
    make_file(in.path / "b" / "x", 20, 2);
    process s({ferry_binary(), "send", "--relay", "127.0.0.1:1", (in.path / "a" / "x").string(),
               (in.path / "b" / "x").string()});
    CHECK(s.wait(30s) == exit_usage);
    CHECK_THAT(s.error_output(), Catch::Contains("two items are named 'x'"));
}

TEST_CASE_METHOD(tree_setup, "the Accept? question lists a tree's items and their new names",
                 "[tree][e2e]") {
    const bool said_yes = GENERATE(false, true);
    INFO((said_yes ? "answered y" : "answered n"));
    fs::create_directories(dir / "sub");
    make_file(dir / "one.bin", 1000, 1);
    make_file(dir / "two.bin", 2000, 2);
    make_file(dir / "sub" / "three.bin", 3000, 3);
    make_file(in.path / "notes.txt", 50, 4);
    fs::create_directories(out.path / "dir");
    make_file(out.path / "dir" / "mine.txt", 10, 5);
    const auto before = listing(out.path);

    auto s = start_sender(relay.address(), std::vector<fs::path>{dir, in.path / "notes.txt"});
    REQUIRE(!s.code.empty());
    auto r = start_asking_receiver(relay.address(), s.code, out.path);
    REQUIRE(r->wait_for_error_text("Accept? [y/n] ", 30s));
    r->type(said_yes ? "y\n" : "n\n");
    const auto receiver_exit = r->wait(60s);
    // A declining receiver leaves the sender waiting for another with the same code.
    const auto sender_exit = said_yes ? s.proc->wait(60s) : -1;
    const auto asked = r->error_output();
    INFO(asked << s.proc->error_output());
    CHECK_THAT(asked, Catch::Contains("Receive 2 items: dir/ (3 files, "));
    CHECK_THAT(asked, Catch::Contains(") as 'dir (1)/', notes.txt"));
    if (said_yes) {
        CHECK(receiver_exit == 0);
        CHECK(sender_exit == 0);
        CHECK(listing(out.path / "dir (1)") == listing(dir));
        CHECK(sha256_of(out.path / "notes.txt") == sha256_of(in.path / "notes.txt"));
        CHECK(sorted_entries(out) == std::vector<std::string>{"dir", "dir (1)", "notes.txt"});
    } else {
        CHECK(receiver_exit == exit_peer);
        CHECK_THAT(asked, Catch::Contains("you declined"));
        CHECK(s.proc->running());
        CHECK(listing(out.path) == before);
        CHECK(sorted_entries(out) == std::vector<std::string>{"dir"});
    }
}
