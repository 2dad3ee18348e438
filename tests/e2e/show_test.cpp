// What ferry shows a person: the progress of a tree on a terminal, --stdout as the data comes,
// the final line's SHA-256, and printed commands that paste as they are.
#include <catch2/catch.hpp>

#include <signal.h>

#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "tests/support/helpers.hpp"
#include "tests/support/pty_process.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

// The last state a progress line drew on the terminal: the text after its last '\r' up to the
// erase-to-end-of-line that ends every draw.
std::string last_progress(const std::string& terminal) {
    const auto end = terminal.rfind("\x1b[K");
    if (end == std::string::npos) return "";
    const auto start = terminal.rfind('\r', end);
    return start == std::string::npos ? "" : terminal.substr(start + 1, end - start - 1);
}

// The code from "... Code: <code>" on a terminal.
std::string code_from(const std::string& terminal) {
    const std::string marker = "Code: ";
    const auto at = terminal.find(marker);
    if (at == std::string::npos) return "";
    const auto end = terminal.find_first_of("\r\n", at);
    return terminal.substr(at + marker.size(), end - at - marker.size());
}

std::vector<std::string> words_of(const std::string& command) {
    std::istringstream in(command);
    std::vector<std::string> out;
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}

}  // namespace

TEST_CASE("a tree's progress names the file moved and ends at N/N files on both sides",
          "[show][e2e]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    const auto tree = in.path / "tree";
    fs::create_directories(tree);
    constexpr int files = 200;
    for (int i = 0; i < files; ++i)
        make_file(tree / fmt::format("f{:03}", i), 2000, static_cast<std::uint32_t>(i));

    pty_process sender({ferry_binary(), "send", "--relay", relay.address(), tree.string()}, 120);
    REQUIRE(sender.wait_for("ferry receive", 30s));
    const auto code = code_from(sender.output());
    REQUIRE(!code.empty());
    pty_process receiver({ferry_binary(), "receive", "--relay", relay.address(), "--yes", "-o",
                          out.path.string(), code},
                         120);
    CHECK(receiver.wait(120s) == 0);
    CHECK(sender.wait(120s) == 0);
    for (const auto* side : {&sender, &receiver}) {
        const auto line = last_progress(side->output());
        INFO(side->output());
        CHECK_THAT(line, Catch::EndsWith("  200/200 files"));
        CHECK(std::regex_search(line, std::regex("^tree/f[0-9]{3} +100% \\[#+\\]")));
    }
}

TEST_CASE("with --stdout a stream's bytes are written as they come, before the producer ends",
          "[show][e2e]") {
    relay_fixture relay;
    process s({ferry_binary(), "send", "-q", "--relay", relay.address(), "-"}, {}, input::pipe);
    const auto code = s.read_line(30s);
    REQUIRE(!code.empty());
    process r({ferry_binary(), "receive", "--relay", relay.address(), "--yes", "--stdout", code});
    s.type("the first line\n");
    // The producer pauses here, its input still open: the first line reaches the consumer.
    CHECK(r.read_line(30s) == "the first line");
    REQUIRE(s.running());
    s.type("the rest\n");
    s.close_input();
    CHECK(r.read_output_to_end(60s) == "the rest\n");
    CHECK(r.wait(60s) == 0);
    CHECK(s.wait(60s) == 0);
}

TEST_CASE("a stream cut after its first bytes says what standard output got", "[show][e2e]") {
    relay_fixture relay;
    process s({ferry_binary(), "send", "-q", "--relay", relay.address(), "-"}, {}, input::pipe);
    const auto code = s.read_line(30s);
    REQUIRE(!code.empty());
    process r({ferry_binary(), "receive", "--relay", relay.address(), "--yes", "--stdout",
               "--reconnect-for", "0", code});
    s.type("0123456789\n");
    REQUIRE(r.read_line(30s) == "0123456789");
    s.kill(SIGKILL);
    CHECK(r.wait(60s) == 5);
    CHECK_THAT(r.error_output(),
               Catch::Contains("11 B of it went to standard output: incomplete") &&
                   !Catch::Contains("nothing was"));
}

TEST_CASE("the last line shows a short SHA-256, the whole one with --verbose", "[show][e2e]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    make_file(in.path / "report.pdf", 100'000, 3);
    const auto sha = sha256_of(in.path / "report.pdf");
    const bool verbose = GENERATE(false, true);
    std::vector<std::string> extra =
        verbose ? std::vector<std::string>{"--verbose"} : std::vector<std::string>{};
    std::vector<std::string> args{ferry_binary(), "send", "--relay", relay.address()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back((in.path / "report.pdf").string());
    process s(args);
    const auto first = s.read_line(30s);
    const auto at = first.find("Code: ");
    REQUIRE(at != std::string::npos);
    extra.emplace_back("--yes");
    auto r = start_receiver(relay.address(), first.substr(at + 6), out.path, extra);
    CHECK(r->wait(60s) == 0);
    CHECK(s.wait(60s) == 0);
    const auto sent = s.output();
    const auto saved = r->output();
    if (verbose) {
        CHECK_THAT(sent,
                   Catch::Contains(fmt::format("verified by the receiver (SHA-256 {}).", sha)));
        CHECK_THAT(saved, Catch::Contains(fmt::format("SHA-256 verified ({}).", sha)));
    } else {
        CHECK_THAT(sent, Catch::Contains(fmt::format("verified by the receiver (SHA-256 {}\u2026).",
                                                     sha.substr(0, 8))));
        CHECK_THAT(saved, Catch::Contains("Saved ") && Catch::EndsWith(", SHA-256 verified.\n"));
    }
}

TEST_CASE("the commands a share prints paste as they are", "[show][e2e]") {
    relay_fixture relay;
    temp_dir in;
    make_file(in.path / "slides.pdf", 5000, 4);
    process share(
        {ferry_binary(), "share", "--relay", relay.address(), (in.path / "slides.pdf").string()});
    const auto first = share.read_line(30s);
    REQUIRE_THAT(first, Catch::Contains("Code: "));
    const auto receivers = share.read_line(30s);
    const auto list = share.read_line(30s);
    const std::string run = "Receivers run:  ";
    const std::string see = "To see what is shared:  ";
    REQUIRE_THAT(receivers, Catch::StartsWith(run));
    REQUIRE_THAT(list, Catch::StartsWith(see));
    for (const auto& [line, prefix] : {std::pair{receivers, run}, std::pair{list, see}}) {
        auto words = words_of(line.substr(prefix.size()));
        INFO(line);
        REQUIRE(words.size() >= 3);
        CHECK(words[0] == "ferry");
        CHECK(words[2] == "--relay");
        words[0] = ferry_binary();
        temp_dir out;
        if (words.back() != "--list") words.insert(words.end(), {"--yes", "-o", out.path.string()});
        process pasted(words);
        const auto printed = pasted.read_output_to_end(60s);
        CHECK(pasted.wait(60s) == 0);
        INFO(pasted.error_output());
        if (words.back() == "--list") {
            CHECK_THAT(printed, Catch::Contains("slides.pdf"));
        } else {
            CHECK(out.final_entries() == std::vector<std::string>{"slides.pdf"});
        }
    }
    share.kill(SIGINT);
    CHECK(share.wait(60s) == 0);
}
