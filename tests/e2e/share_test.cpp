// ferry share: one sender, many receivers through one relay, with the real binary on every side:
// everything or parts taken, the listing, receivers that fail or guess, and how a share ends.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <csignal>
#include <ctime>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "common/ui/units.hpp"
#include "common/wire/relay_frame.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

// Reads the share's log until a line contains `text`; the lines read, or empty on a timeout.
std::string wait_for_log(process& p, std::string_view text,
                         std::chrono::milliseconds within = 60s) {
    std::string seen;
    return wait_for_lines(p, text, 1, &seen, within) ? seen : "";
}

// Ctrl-C: the share ends (exit 0) with a summary that says `summary`.
void stop_share(sender_process& share, const std::string& summary) {
    share.proc->kill(SIGINT);
    CHECK(share.proc->wait(60s) == 0);
    CHECK_THAT(share.proc->output(), Catch::Contains(summary));
}

// Every entry below root by relative path: "folder", "file <sha256>" or "symlink -> target".
std::map<std::string, std::string> listing(const fs::path& root) {
    std::map<std::string, std::string> out;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
         ++it) {
        const auto rel = it->path().lexically_relative(root).string();
        if (rel.starts_with(".ferry-partial-")) {
            it.disable_recursion_pending();
            continue;
        }
        const auto st = it->symlink_status();
        if (fs::is_symlink(st)) {
            out[rel] = "symlink -> " + fs::read_symlink(it->path()).string();
        } else if (fs::is_directory(st)) {
            out[rel] = "folder";
        } else {
            out[rel] = "file " + sha256_of(it->path());
        }
    }
    return out;
}

// course/ with week1/ and week2/, and slides.pdf beside it; `big` bytes in course's files.
struct course {
    temp_dir dir;
    fs::path root = dir.path / "course";
    fs::path slides = dir.path / "slides.pdf";
    explicit course(std::uint64_t big = 4 << 20) {
        fs::create_directories(root / "week1");
        fs::create_directories(root / "week2" / "extra");
        make_file(root / "syllabus.txt", 1000, 1);
        make_file(root / "week1" / "intro.pdf", big / 2, 2);
        make_file(root / "week1" / "notes.txt", 12, 3);
        make_file(root / "week2" / "lab.bin", big / 2, 4);
        make_file(root / "week2" / "extra" / "empty.txt", 0, 5);
        fs::create_symlink("../syllabus.txt", root / "week2" / "syllabus-link");
        make_file(slides, 300'000, 6);
    }
    [[nodiscard]] std::vector<fs::path> paths() const { return {root, slides}; }
};

// How many bytes are below `dir`, its hidden partial folders included.
std::uint64_t bytes_below(const fs::path& dir) {
    std::uint64_t n = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) n += it->file_size(ec);
    }
    return n;
}

std::string wrong_code(const std::string& code) {
    // The same nameplate and words, in another order: a valid code that is not this one.
    const auto first = code.find('-');
    const auto second = code.find('-', first + 1);
    return code.substr(0, first) + "-" + code.substr(second + 1) + "-" +
           code.substr(first + 1, second - first - 1);
}

}  // namespace

TEST_CASE("twenty receivers at once each take a 64 MiB tree and all verify", "[share][serial]") {
    relay_fixture relay;
    temp_dir src;
    const auto root = src.path / "tree";
    for (int folder = 0; folder < 8; ++folder) {
        fs::create_directories(root / fmt::format("d{}", folder));
        for (int file = 0; file < 8; ++file) {
            make_file(root / fmt::format("d{}", folder) / fmt::format("f{}.bin", file), 1 << 20,
                      static_cast<std::uint32_t>(folder * 8 + file));
        }
    }
    make_file(root / "small.txt", 100, 99);
    auto share = start_share(relay.address(), {root});
    REQUIRE_FALSE(share.code.empty());
    std::vector<std::unique_ptr<temp_dir>> outs;
    std::vector<std::unique_ptr<process>> receivers;
    for (int i = 0; i < 20; ++i) {
        outs.push_back(std::make_unique<temp_dir>());
        receivers.push_back(start_receiver(relay.address(), share.code, outs.back()->path));
    }
    const auto expected = listing(src.path);
    for (std::size_t i = 0; i < receivers.size(); ++i) {
        INFO("receiver " << i << ": " << receivers[i]->error_output());
        CHECK(receivers[i]->wait(240s) == 0);
        CHECK(listing(outs[i]->path) == expected);
    }
    stop_share(share, "20 receivers, 20 complete");
}

TEST_CASE("a listing shows every entry of the share and takes nothing", "[share]") {
    relay_fixture relay;
    const course c;
    auto share = start_share(relay.address(), c.paths());
    const temp_dir out;
    auto lister = start_receiver(relay.address(), share.code, out.path, {"--list"});
    const auto text = lister->read_output_to_end(60s);
    INFO(text << lister->error_output());
    REQUIRE(lister->wait(30s) == 0);
    CHECK(out.entries().empty());
    // A line per entry, in the walk's order, with what the tree says of it.
    std::vector<std::string> lines;
    for (std::size_t at = 0; at < text.size();) {
        const auto end = text.find('\n', at);
        lines.push_back(text.substr(at, end - at));
        at = end + 1;
    }
    // The columns (30 characters), then the path.
    const auto row = [&](const std::string& path) {
        for (const auto& l : lines) {
            const auto shown = l.size() > 30 ? l.substr(30) : "";
            if (shown == path || shown.starts_with(path + " -> ")) return l;
        }
        return std::string();
    };
    CHECK_THAT(row("course/"), Catch::Contains("5 files") && Catch::Contains("4.00 MiB"));
    CHECK_THAT(row("course/week1/"), Catch::Contains("2 files"));
    CHECK_THAT(row("course/week2/extra/"), Catch::Contains("1 file") && Catch::Contains("0 B"));
    struct stat st {};
    REQUIRE(::stat((c.root / "week1" / "intro.pdf").c_str(), &st) == 0);
    std::tm local{};
    ::localtime_r(&st.st_mtim.tv_sec, &local);
    std::array<char, 32> when{};
    std::strftime(when.data(), when.size(), "%Y-%m-%d %H:%M", &local);
    CHECK_THAT(row("course/week1/intro.pdf"),
               Catch::Contains(format_size(2 << 20)) && Catch::Contains(when.data()));
    CHECK_THAT(row("course/week2/syllabus-link"), Catch::Contains("-> ../syllabus.txt"));
    CHECK_THAT(row("slides.pdf"), Catch::Contains(format_size(300'000)));
    CHECK(lines.size() == 11 + 1);  // 11 entries, then the totals
    CHECK_THAT(lines.back(), Catch::Contains("6 files in 4 folders, 1 link"));
    // Listing counts as no download.
    share.proc->kill(SIGINT);
    CHECK(share.proc->wait(30s) == 0);
    const auto log = share.proc->output();
    CHECK_THAT(log, Catch::Contains("listing the share"));
    CHECK_THAT(log, Catch::Contains("0 receivers"));
}

TEST_CASE("two receivers take different parts of one share", "[share]") {
    relay_fixture relay;
    const course c;
    auto share = start_share(relay.address(), c.paths());
    const temp_dir a;
    const temp_dir b;
    // The paths follow the code, an argument each.
    const auto take = [&](const fs::path& out, const std::vector<std::string>& paths) {
        std::vector<std::string> args{ferry_binary(), "receive",    "--relay", relay.address(),
                                      "-o",           out.string(), "--yes",   share.code};
        args.insert(args.end(), paths.begin(), paths.end());
        return std::make_unique<process>(args);
    };
    auto first = take(a.path, {"course/week1"});
    auto second = take(b.path, {"slides.pdf", "course/week2/extra/", "course/syllabus.txt"});
    INFO(first->error_output() << second->error_output());
    CHECK(first->wait(60s) == 0);
    CHECK(second->wait(60s) == 0);
    const auto whole = listing(c.dir.path);
    const std::map<std::string, std::string> week1{
        {"week1", "folder"},
        {"week1/intro.pdf", whole.at("course/week1/intro.pdf")},
        {"week1/notes.txt", whole.at("course/week1/notes.txt")},
    };
    CHECK(listing(a.path) == week1);
    const std::map<std::string, std::string> rest{
        {"slides.pdf", whole.at("slides.pdf")},
        {"extra", "folder"},
        {"extra/empty.txt", whole.at("course/week2/extra/empty.txt")},
        {"syllabus.txt", whole.at("course/syllabus.txt")},
    };
    CHECK(listing(b.path) == rest);
    // A path the share does not hold is a clear error, and nothing is written.
    const temp_dir c_out;
    auto missing = take(c_out.path, {"course/week3"});
    CHECK(missing->wait(60s) == exit_usage);
    CHECK_THAT(missing->error_output(),
               Catch::Contains("'course/week3' is not in the share") && Catch::Contains("--list"));
    CHECK(c_out.entries().empty());
    stop_share(share, "2 receivers, 2 complete");
}

TEST_CASE("a receiver killed mid-download does not disturb the others", "[share]") {
    relay_fixture relay;
    const course c(24 << 20);
    // Slow enough that the victim is seen half-way: 8 MiB/s to each receiver.
    auto share = start_share(relay.address(), c.paths(), {"--limit-rate", "8M"});
    const temp_dir victim_dir;
    std::vector<std::unique_ptr<temp_dir>> outs;
    std::vector<std::unique_ptr<process>> others;
    auto victim = start_receiver(relay.address(), share.code, victim_dir.path);
    for (int i = 0; i < 3; ++i) {
        outs.push_back(std::make_unique<temp_dir>());
        others.push_back(start_receiver(relay.address(), share.code, outs.back()->path));
    }
    REQUIRE(wait_until([&] { return bytes_below(victim_dir.path) > (2 << 20); }, 60s));
    victim->kill(SIGKILL);
    CHECK(victim->wait(10s) == 128 + SIGKILL);
    const auto whole = listing(c.dir.path);
    for (std::size_t i = 0; i < others.size(); ++i) {
        INFO(others[i]->error_output());
        CHECK(others[i]->wait(120s) == 0);
        CHECK(listing(outs[i]->path) == whole);
    }
    CHECK(victim_dir.final_entries().empty());
    stop_share(share, "4 receivers, 3 complete, 1 stopped");
}

TEST_CASE("the 11th wrong code closes the share and says so", "[share]") {
    relay_fixture relay;
    const course c(1 << 20);
    auto share = start_share(relay.address(), c.paths());
    const temp_dir out;
    for (int guess = 1; guess <= 11; ++guess) {
        auto guesser = start_receiver(relay.address(), wrong_code(share.code), out.path);
        INFO("guess " << guess << ": " << guesser->error_output());
        CHECK(guesser->wait(60s) == exit_wrong_code);
        CHECK_THAT(guesser->error_output(), Catch::Contains("wrong code"));
        if (guess <= 10) {
            CHECK_FALSE(wait_for_log(*share.proc, "a wrong code was tried").empty());
        }
    }
    CHECK(share.proc->wait(30s) == exit_wrong_code);
    CHECK_THAT(share.proc->error_output(),
               Catch::Contains("closed the share: 11 wrong codes were tried"));
    // Closed: the right code finds no share any more.
    auto late = start_receiver(relay.address(), share.code, out.path);
    CHECK(late->wait(30s) == exit_wrong_code);
    CHECK_THAT(late->error_output(), Catch::Contains("no sender is waiting"));
    CHECK(out.entries().empty());
}

TEST_CASE("a wrong code while a download runs leaves the download running", "[share]") {
    relay_fixture relay;
    const course c(16 << 20);
    auto share = start_share(relay.address(), c.paths(), {"--limit-rate", "8M"});
    const temp_dir out;
    auto downloader = start_receiver(relay.address(), share.code, out.path);
    REQUIRE_FALSE(wait_for_log(*share.proc, "receiver 1 connected").empty());
    const temp_dir guess_out;
    auto guesser = start_receiver(relay.address(), wrong_code(share.code), guess_out.path);
    CHECK(guesser->wait(60s) == exit_wrong_code);
    // The share is still open: the guesser is not told that the sender must start again.
    CHECK_THAT(guesser->error_output(),
               Catch::Contains("a share's code keeps working") && !Catch::Contains("start again"));
    CHECK(downloader->running());
    INFO(downloader->error_output());
    CHECK(downloader->wait(120s) == 0);
    CHECK(listing(out.path) == listing(c.dir.path));
    stop_share(share, "1 receiver, 1 complete, 1 wrong code");
}

TEST_CASE("Ctrl-C gives running downloads the grace and then stops them cleanly", "[share]") {
    relay_fixture relay;
    const course c(32 << 20);
    auto share = start_share(relay.address(), c.paths(), {"--limit-rate", "2M", "--grace", "1s"});
    const temp_dir a;
    const temp_dir b;
    auto first = start_receiver(relay.address(), share.code, a.path);
    auto second = start_receiver(relay.address(), share.code, b.path);
    REQUIRE_FALSE(wait_for_log(*share.proc, "receiver 1 connected").empty());
    REQUIRE_FALSE(wait_for_log(*share.proc, "receiver 2 connected").empty());
    share.proc->kill(SIGINT);
    CHECK_FALSE(wait_for_log(*share.proc, "no new receivers; 2 running downloads have 1").empty());
    for (auto* r : {first.get(), second.get()}) {
        CHECK(r->wait(60s) == exit_peer);
        CHECK_THAT(r->error_output(),
                   Catch::Contains("the sender stopped: the share ended before this download "
                                   "finished"));
    }
    CHECK(a.final_entries().empty());
    CHECK(b.final_entries().empty());
    CHECK(share.proc->wait(30s) == 0);
    CHECK_THAT(share.proc->output(), Catch::Contains("2 receivers, 0 complete, 2 stopped"));
}

TEST_CASE("a download running at Ctrl-C finishes within the grace", "[share]") {
    relay_fixture relay;
    const course c(16 << 20);
    auto share = start_share(relay.address(), c.paths(), {"--limit-rate", "8M", "--grace", "2min"});
    const temp_dir out;
    auto downloader = start_receiver(relay.address(), share.code, out.path);
    REQUIRE_FALSE(wait_for_log(*share.proc, "receiver 1 connected").empty());
    share.proc->kill(SIGINT);
    INFO(downloader->error_output());
    CHECK(downloader->wait(120s) == 0);
    CHECK(listing(out.path) == listing(c.dir.path));
    CHECK(share.proc->wait(30s) == 0);
    // No one new once it has stopped.
    const temp_dir late_out;
    auto late = start_receiver(relay.address(), share.code, late_out.path);
    CHECK(late->wait(30s) == exit_wrong_code);
}

TEST_CASE("max-receivers and expire end a share on their own", "[share]") {
    relay_fixture relay;
    const course c(1 << 20);
    auto share = start_share(relay.address(), c.paths(), {"--max-receivers", "2"});
    for (int i = 0; i < 2; ++i) {
        const temp_dir out;
        auto r = start_receiver(relay.address(), share.code, out.path);
        INFO(r->error_output());
        CHECK(r->wait(60s) == 0);
    }
    CHECK(share.proc->wait(30s) == 0);
    CHECK_THAT(share.proc->output(),
               Catch::Contains("(served --max-receivers): 2 receivers, 2 complete"));
    auto expiring = start_share(relay.address(), c.paths(), {"--expire", "1s"});
    CHECK(expiring.proc->wait(30s) == 0);
    CHECK_THAT(expiring.proc->output(), Catch::Contains("(expired): 0 receivers"));
}

TEST_CASE("a listing or paths with the code of a plain send are a clear error", "[share]") {
    relay_fixture relay;
    temp_dir src;
    make_file(src.path / "a.bin", 1000);
    auto sender = start_sender(relay.address(), src.path / "a.bin");
    const temp_dir out;
    auto lister = start_receiver(relay.address(), sender.code, out.path, {"--list"});
    CHECK(lister->wait(60s) == exit_usage);
    CHECK_THAT(lister->error_output(), Catch::Contains("not a share"));
    CHECK(out.entries().empty());
    // The sender keeps its code: the receiver's mistake does not end the send.
    auto taker = start_receiver(relay.address(), sender.code, out.path);
    CHECK(taker->wait(60s) == 0);
    CHECK(sender.proc->wait(30s) == 0);
}

TEST_CASE("a relay without shares is named as the reason", "[share]") {
    // What a ferry 0.7 relay answers to SHARE: its frame decoder does not know the type.
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    const auto port = acceptor.local_endpoint().port();
    std::thread old_relay([&] {
        auto socket = acceptor.accept();
        std::array<std::uint8_t, 8> hello{};
        asio::read(socket, asio::buffer(hello));
        namespace rp = relay_proto;
        const auto answer = rp::encode(rp::frame{
            rp::frame_type::error, 0, rp::error_code::bad_hello, "unknown relay frame type 0x05"});
        asio::write(socket, asio::buffer(answer));
    });
    temp_dir src;
    make_file(src.path / "a.bin", 1000);
    auto share = start_share(fmt::format("127.0.0.1:{}", port), {src.path / "a.bin"});
    CHECK(share.proc->wait(30s) == exit_network);
    CHECK_THAT(share.proc->error_output(),
               Catch::Contains("older than ferry 0.8") && Catch::Contains("0x05"));
    old_relay.join();
}

TEST_CASE("a relay that never answers the share can be left with Ctrl-C", "[share]") {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    const auto port = acceptor.local_endpoint().port();
    temp_dir src;
    make_file(src.path / "a.bin", 1000);
    auto share = std::make_unique<process>(
        std::vector<std::string>{ferry_binary(), "share", "--relay",
                                 fmt::format("127.0.0.1:{}", port), (src.path / "a.bin").string()});
    // The share has connected (and sent SHARE) once the silent relay accepted it.
    auto socket = acceptor.accept();
    std::array<std::uint8_t, 8> hello{};
    asio::read(socket, asio::buffer(hello));
    share->kill(SIGINT);
    CHECK(share->wait(10s) == 130);
    CHECK_THAT(share->error_output(), Catch::Contains("interrupted"));
}
