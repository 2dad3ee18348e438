// Connections cut again and again, on either side, in each way a path can fail (reset, FIN,
// black hole), during files, trees and streams: every transfer completes, verified, with little
// more than the payload crossing (issue 26, part 1).
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>

#include <fmt/format.h>

#include "tests/support/cutting_forwarder.hpp"
#include "tests/support/helpers.hpp"
#include "tests/support/resume_runs.hpp"

using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t mib = 1024 * 1024;
using how = cutting_forwarder::how;

// How long a silent path may go unnoticed in these tests (the default is 30 s).
const std::vector<std::string> quick_stall{"--stall-timeout", "3s"};

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

// `n` cut points of one kind spread evenly over the first 90 % of `total` bytes, so that the
// last is reached whatever the framing and what a cut drops: at 0.9 total/(n+1), ...
std::vector<cutting_forwarder::cut> evenly(std::size_t n, std::uint64_t total, how kind) {
    std::vector<cutting_forwarder::cut> cuts;
    for (std::size_t i = 1; i <= n; ++i)
        cuts.push_back({total * 9 * i / (10 * (n + 1)), kind});
    return cuts;
}

const char* name_of(how kind) {
    return kind == how::reset ? "reset" : kind == how::fin ? "FIN" : "black hole";
}

struct run_result {
    int sender_exit = -1;
    int receiver_exit = -1;
    std::string receiver_errors;
    std::string sender_errors;
};

// Sends `paths` with the sender's or the receiver's connection through `middlebox`.
run_result send_through(const relay_fixture& relay, cutting_forwarder& middlebox, bool cut_sender,
                        const std::vector<fs::path>& paths, const fs::path& out,
                        std::vector<std::string> sender_extra = {}) {
    sender_extra.insert(sender_extra.end(), quick_stall.begin(), quick_stall.end());
    auto s = start_sender(cut_sender ? middlebox.address() : relay.address(), paths, sender_extra);
    REQUIRE(!s.code.empty());
    std::vector<std::string> receiver_extra{"--yes"};
    receiver_extra.insert(receiver_extra.end(), quick_stall.begin(), quick_stall.end());
    auto r = start_receiver(cut_sender ? relay.address() : middlebox.address(), s.code, out,
                            receiver_extra);
    run_result result;
    result.receiver_exit = r->wait(300s);
    result.sender_exit = s.proc->wait(60s);
    result.receiver_errors = r->error_output();
    result.sender_errors = s.proc->error_output();
    return result;
}

void check_completed(const run_result& result, const cutting_forwarder& middlebox,
                     std::size_t cuts) {
    INFO("receiver: " << result.receiver_errors << "\nsender: " << result.sender_errors
                      << "\nforwarded: " << middlebox.forwarded());
    CHECK(result.receiver_exit == 0);
    CHECK(result.sender_exit == 0);
    CHECK(middlebox.cuts_made() == cuts);
    CHECK(count_of(result.receiver_errors, "reconnected; carrying on") == cuts);
}

// One file through `cuts` cuts of `kind` on one side's connection.
void file_through_cuts(std::size_t cuts, bool cut_sender, how kind, std::uint64_t size) {
    INFO(cuts << " cuts (" << name_of(kind) << ") of the " << (cut_sender ? "sender" : "receiver")
              << "'s connection");
    relay_fixture relay;
    cutting_forwarder middlebox(relay.port(), evenly(cuts, size, kind));
    temp_dir in;
    temp_dir out;
    make_file(in.path / "f.bin", size, 11);
    const auto result = send_through(relay, middlebox, cut_sender, {in.path / "f.bin"}, out.path);
    check_completed(result, middlebox, cuts);
    CHECK(sha256_of(out.path / "f.bin") == sha256_of(in.path / "f.bin"));
    // A silence is named as such (the sender runs with -q: the receiver tells). The first cut
    // is always the receiver's own finding: the relay cannot end an original pair early.
    if (kind == how::black_hole) {
        CHECK_THAT(result.receiver_errors, Catch::Contains("connection lost (no answer for 3 s)"));
    }
    // The file once, plus what was in flight at each cut, both directions: for 5 cuts of a
    // 128 MiB file, at most 1.15 times the file.
    INFO("forwarded: " << middlebox.forwarded());
    if (size >= 128 * mib && cuts <= 5) CHECK(middlebox.forwarded() <= size + size * 15 / 100);
}

}  // namespace

TEST_CASE("a 128 MiB file goes through 5 resets of either side with at most 1.15x crossing",
          "[e2e][cuts]") {
    file_through_cuts(5, GENERATE(true, false), how::reset, 128 * mib);
}

TEST_CASE("a file goes through 1, 2, 5 and 20 resets of either side's connection", "[e2e][cuts]") {
    const auto cuts = GENERATE(as<std::size_t>{}, 1, 2, 5, 20);
    file_through_cuts(cuts, GENERATE(true, false), how::reset, 48 * mib);
}

TEST_CASE("a file goes through 1, 2, 5 and 20 FINs on either side's connection", "[e2e][cuts]") {
    const auto cuts = GENERATE(as<std::size_t>{}, 1, 2, 5, 20);
    file_through_cuts(cuts, GENERATE(true, false), how::fin, 48 * mib);
}

TEST_CASE("a file goes through 1, 2 and 5 black holes on either side's connection", "[e2e][cuts]") {
    const auto cuts = GENERATE(as<std::size_t>{}, 1, 2, 5);
    file_through_cuts(cuts, GENERATE(true, false), how::black_hole, 48 * mib);
}

TEST_CASE("a tree goes through 5 cuts of either side's connection", "[e2e][cuts][tree]") {
    const bool cut_sender = GENERATE(true, false);
    const auto kind = GENERATE(how::reset, how::black_hole);
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    const auto root = in.path / "many";
    for (int i = 0; i < 300; ++i) {
        const auto dir = root / fmt::format("d{}", i / 50);
        fs::create_directories(dir);
        make_file(dir / fmt::format("f{:03}", i), 160 * 1024, static_cast<std::uint32_t>(i + 1));
    }
    cutting_forwarder middlebox(relay.port(), evenly(5, 300 * 160 * 1024, kind));
    const auto result = send_through(relay, middlebox, cut_sender, {root}, out.path);
    check_completed(result, middlebox, 5);
    for (int i = 0; i < 300; ++i) {
        const auto rel = fs::path(fmt::format("d{}", i / 50)) / fmt::format("f{:03}", i);
        CHECK(sha256_of(out.path / "many" / rel) == sha256_of(root / rel));
    }
    CHECK(out.entries() == std::vector<std::string>{"many"});
}

TEST_CASE("a stream goes through 5 cuts of either side's connection", "[e2e][cuts][stream]") {
    const bool cut_sender = GENERATE(true, false);
    const auto kind = GENERATE(how::reset, how::fin);
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    const auto size = 48 * mib;
    make_file(in.path / "data", size, 12);
    cutting_forwarder middlebox(relay.port(), evenly(5, size, kind));
    std::vector<std::string> args{ferry_binary(), "send", "-q", "--relay",
                                  cut_sender ? middlebox.address() : relay.address()};
    args.insert(args.end(), quick_stall.begin(), quick_stall.end());
    args.emplace_back("-");
    // The stream comes through a pipe from cat, not from a file.
    std::vector<std::string> shell{"/bin/sh", "-c", "cat \"$0\" | exec \"$@\"",
                                   (in.path / "data").string()};
    shell.insert(shell.end(), args.begin(), args.end());
    process sender(shell);
    const auto code = sender.read_line(30s);
    REQUIRE(!code.empty());
    std::vector<std::string> receiver_extra{"--yes"};
    receiver_extra.insert(receiver_extra.end(), quick_stall.begin(), quick_stall.end());
    auto r = start_receiver(cut_sender ? relay.address() : middlebox.address(), code, out.path,
                            receiver_extra);
    run_result result;
    result.receiver_exit = r->wait(300s);
    result.sender_exit = sender.wait(60s);
    result.receiver_errors = r->error_output();
    result.sender_errors = sender.error_output();
    check_completed(result, middlebox, 5);
    CHECK(sha256_of(out.path / "stdin") == sha256_of(in.path / "data"));
}

namespace {

// Bytes the process has read so far (rchar of /proc/PID/io): what it hashed of a kept file.
std::uint64_t bytes_read_by(pid_t pid) {
    std::ifstream io("/proc/" + std::to_string(pid) + "/io");
    std::string key;
    std::uint64_t value = 0;
    while (io >> key >> value)
        if (key == "rchar:") return value;
    return 0;
}

}  // namespace

TEST_CASE("a cut while the receiver decides is reconnected before the answer", "[e2e][cuts]") {
    const bool cut_sender = GENERATE(true, false);
    const auto kind = GENERATE(how::reset, how::black_hole);
    INFO((cut_sender ? "sender" : "receiver") << ", " << name_of(kind));
    relay_fixture relay;
    cutting_forwarder middlebox(relay.port(), {});
    temp_dir in;
    temp_dir out;
    make_file(in.path / "f.bin", 4 * mib, 13);
    auto s = start_sender(cut_sender ? middlebox.address() : relay.address(), in.path / "f.bin",
                          quick_stall);
    REQUIRE(!s.code.empty());
    std::vector<std::string> args{
        ferry_binary(), "receive",
        "--relay",      cut_sender ? relay.address() : middlebox.address(),
        "-o",           out.path.string()};
    args.insert(args.end(), quick_stall.begin(), quick_stall.end());
    args.push_back(s.code);
    process r(args, {}, input::terminal);
    REQUIRE(r.wait_for_error_text("Accept? [y/n] ", 30s));
    middlebox.cut_now(kind);
    // The asking receiver watches its connection: it reconnects (or its peer does) while the
    // question is still on the screen, and the answer then goes through.
    REQUIRE(!r.wait_for_error_line("reconnected; carrying on", 60s).empty());
    r.type("y\n");
    CHECK(r.wait(120s) == 0);
    CHECK(s.proc->wait(60s) == 0);
    INFO(r.error_output() << s.proc->error_output());
    CHECK(middlebox.cuts_made() == 1);
    CHECK(sha256_of(out.path / "f.bin") == sha256_of(in.path / "f.bin"));
}

TEST_CASE("a cut during the last bytes, DONE and VERIFIED is reconnected", "[e2e][cuts]") {
    const bool cut_sender = GENERATE(true, false);
    relay_fixture relay;
    temp_dir in;
    make_file(in.path / "f.bin", 8 * mib, 14);
    // A first run through a forwarder that never cuts measures the bytes of the whole
    // conversation; the second is cut 4 KiB before its end: in the last data record, DONE or
    // VERIFIED.
    std::uint64_t total = 0;
    {
        cutting_forwarder measure(relay.port(), {});
        temp_dir out;
        const auto clean = send_through(relay, measure, cut_sender, {in.path / "f.bin"}, out.path);
        REQUIRE(clean.receiver_exit == 0);
        total = measure.forwarded();
    }
    REQUIRE(total > 8 * mib);
    cutting_forwarder middlebox(relay.port(), {{total - 4096, how::reset}});
    temp_dir out;
    const auto result = send_through(relay, middlebox, cut_sender, {in.path / "f.bin"}, out.path);
    check_completed(result, middlebox, 1);
    CHECK(sha256_of(out.path / "f.bin") == sha256_of(in.path / "f.bin"));
}

TEST_CASE("a cut while a resume hashes what was kept is reconnected", "[e2e][cuts][resume]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    const auto size = 256 * mib;
    make_file(in.path / "f.bin", size, 15);
    const auto half = [&] {
        const auto folder = partial_folder(out.path);
        std::error_code ec;
        return !folder.empty() && fs::file_size(folder / "data", ec) >= size / 2 && !ec;
    };
    const auto first = run_interrupted(relay.address(), {in.path / "f.bin"}, out.path, half,
                                       stop::receiver_killed, {"--limit-rate", "128M"});
    REQUIRE(first.reached);
    REQUIRE(!partial_folder(out.path).empty());
    // Again, the receiver behind the forwarder: once it has read a quarter of what it kept (it
    // hashes it before asking to resume), its connection is reset.
    cutting_forwarder middlebox(relay.port(), {});
    auto s = start_sender(relay.address(), in.path / "f.bin", quick_stall);
    REQUIRE(!s.code.empty());
    std::vector<std::string> receiver_extra{"--yes"};
    receiver_extra.insert(receiver_extra.end(), quick_stall.begin(), quick_stall.end());
    auto r = start_receiver(middlebox.address(), s.code, out.path, receiver_extra);
    const auto pid = r->pid();
    const bool hashing = wait_until([&] { return bytes_read_by(pid) >= size / 8; }, 60s);
    middlebox.cut_now(how::reset);
    CHECK(r->wait(120s) == 0);
    CHECK(s.proc->wait(60s) == 0);
    INFO(r->error_output() << s.proc->error_output());
    CHECK(hashing);
    CHECK(middlebox.cuts_made() == 1);
    CHECK_THAT(r->error_output(), Catch::Contains("already here"));
    CHECK(sha256_of(out.path / "f.bin") == sha256_of(in.path / "f.bin"));
}

TEST_CASE("a reconnect ends its session's stale pair at the relay at once", "[e2e][cuts]") {
    // The relay's idle limit is far away: only the relay's ending of the stale pair can tell the
    // receiver of the sender's silent path before the receiver's own stall timeout (60 s here).
    auto limits = relay_fixture::fast_limits();
    limits.idle_timeout = std::chrono::minutes(5);
    relay_fixture relay(limits);
    const auto size = 48 * mib;
    // A reset first (so that the pair running at the second cut was made by a RECONNECT), then
    // the sender's path goes silent.
    cutting_forwarder middlebox(relay.port(),
                                {{size / 3, how::reset}, {2 * size / 3, how::black_hole}});
    temp_dir in;
    temp_dir out;
    make_file(in.path / "f.bin", size, 16);
    auto s = start_sender(middlebox.address(), in.path / "f.bin", quick_stall);
    REQUIRE(!s.code.empty());
    auto r = start_receiver(relay.address(), s.code, out.path, {"--yes", "--stall-timeout", "60s"});
    run_result result;
    result.receiver_exit = r->wait(120s);
    result.sender_exit = s.proc->wait(60s);
    result.receiver_errors = r->error_output();
    result.sender_errors = s.proc->error_output();
    check_completed(result, middlebox, 2);
    CHECK(result.receiver_errors.find("no answer for 60 s") == std::string::npos);
    CHECK(sha256_of(out.path / "f.bin") == sha256_of(in.path / "f.bin"));
}
