// The command line a new user types: near misses, help, a code alone, plain error sentences,
// the relay's address options and an output folder that does not exist yet.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

// Port 1 on loopback: nothing listens there.
const std::string nowhere = "127.0.0.1:1";

std::size_t columns(const std::string& line) {
    return static_cast<std::size_t>(std::count_if(line.begin(), line.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

}  // namespace

TEST_CASE("a mistyped command or option is named with the nearest one", "[cli][e2e]") {
    const auto command = run_ferry({"sned", "report.pdf"});
    CHECK(command.code == 2);
    CHECK(command.err == "ferry: unknown command 'sned'; did you mean 'send'?\n");
    const auto option = run_ferry({"send", "--relya", nowhere, "report.pdf"});
    CHECK(option.code == 2);
    CHECK(option.err == "ferry: unknown option '--relya'; did you mean '--relay'?\n");
    const auto far = run_ferry({"download"});
    CHECK(far.code == 2);
    CHECK(far.err == "ferry: unknown command 'download'; see 'ferry --help'\n");
}

TEST_CASE("help, help COMMAND, -V and --version answer on stdout with exit 0", "[cli][e2e]") {
    const auto help = run_ferry({"help"});
    CHECK(help.code == 0);
    CHECK_THAT(help.out, Catch::Contains("receive, recv"));
    CHECK(help.err.empty());
    const auto send_help = run_ferry({"help", "send"});
    CHECK(send_help.code == 0);
    CHECK_THAT(send_help.out, Catch::Contains("Usage: ferry send"));
    CHECK_THAT(send_help.out, Catch::Contains("--code-words N "));
    const auto recv_help = run_ferry({"help", "recv"});
    CHECK_THAT(recv_help.out, Catch::Contains("Usage: ferry receive"));
    const auto unknown = run_ferry({"help", "sned"});
    CHECK(unknown.code == 2);
    CHECK(unknown.err == "ferry: unknown command 'sned'; did you mean 'send'?\n");
    for (const auto* flag : {"-V", "--version"}) {
        const auto version = run_ferry({flag});
        CHECK(version.code == 0);
        CHECK_THAT(version.out, Catch::StartsWith("ferry " FERRY_VERSION));
    }
}

TEST_CASE("the parser's own texts become sentences, still with exit 2", "[cli][e2e]") {
    struct line {
        std::vector<std::string> args;
        std::string said;
    };
    const std::vector<line> lines{
        {{}, "say what to do: send, receive, share or relay; see 'ferry --help'"},
        {{"send"},
         "say what to send: files or folders, - (standard input) or --text TEXT; see 'ferry send "
         "--help'"},
        {{"share"}, "say what to share: files or folders; see 'ferry share --help'"},
        {{"send", "--code-words", "9", "x"},
         "--code-words must be a whole number from 2 to 8, not '9'; see 'ferry send --help'"},
        {{"share", "--code-words", "x", "y"},
         "--code-words must be a whole number from 2 to 8, not 'x'; see 'ferry share --help'"},
        {{"send", "x", "--relay"}, "--relay needs a value after it; see 'ferry send --help'"},
        {{"relay", "--max-sessions", "abc"},
         "--max-sessions must be a whole number, not 'abc'; see 'ferry relay --help'"},
    };
    for (const auto& l : lines) {
        const auto r = run_ferry(l.args);
        CHECK(r.code == 2);
        CHECK(r.err == "ferry: " + l.said + "\n");
    }
    const auto receive = run_ferry({"receive"});
    CHECK(receive.code == 2);
    // No code and no terminal to ask it on.
    CHECK_THAT(receive.err, Catch::StartsWith("ferry: no code given, and no terminal to ask"));
}

TEST_CASE("the --help text fits the terminal's width and names values plainly", "[cli][e2e]") {
    for (const auto* width : {"50", "100"}) {
        const auto help = run_ferry({"send", "--help"}, {std::string("COLUMNS=") + width});
        CHECK(help.code == 0);
        CHECK_THAT(help.out, !Catch::Contains("INT:INT"));
        std::istringstream lines(help.out);
        std::string l;
        while (std::getline(lines, l)) {
            INFO(l);
            CHECK(columns(l) <= std::stoul(width));
        }
    }
}

TEST_CASE("a code alone receives, and recv is receive", "[cli][e2e]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    make_file(in.path / "a.bin", 20'000);
    auto sender = start_sender(relay.address(), in.path / "a.bin");
    process receiver({ferry_binary(), sender.code, "--relay", relay.address(), "--yes", "-o",
                      out.path.string()});
    CHECK(receiver.wait(60s) == 0);
    CHECK(sender.proc->wait(60s) == 0);
    CHECK(sha256_of(out.path / "a.bin") == sha256_of(in.path / "a.bin"));
    // recv runs receive: the code is checked as receive checks it, before any connection.
    const auto recv = run_ferry({"recv", "--relay", nowhere, "7-foo-bar"});
    CHECK(recv.code == 2);
    CHECK_THAT(recv.err, Catch::Contains("'foo' is not a word"));
    const auto alone = run_ferry({"7-foo-bar", "--relay", nowhere});
    CHECK(alone.err == recv.err);
}

TEST_CASE("an -o DIR that does not exist is created, its parent is not", "[cli][e2e]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    make_file(in.path / "a.bin", 5'000);
    const auto target = out.path / "new";
    auto sender = start_sender(relay.address(), in.path / "a.bin");
    auto receiver = start_receiver(relay.address(), sender.code, target);
    CHECK(receiver->wait(60s) == 0);
    CHECK(sender.proc->wait(60s) == 0);
    CHECK_THAT(receiver->error_output(),
               Catch::Contains("Created folder " + target.string() + "/"));
    CHECK(sha256_of(target / "a.bin") == sha256_of(in.path / "a.bin"));
    const auto mask = ::umask(0);
    ::umask(mask);
    CHECK((fs::status(target).permissions() & fs::perms::all) ==
          (static_cast<fs::perms>(0777 & ~mask) & fs::perms::all));

    const auto deeper = out.path / "missing" / "new";
    const auto r =
        run_ferry({"receive", "--relay", nowhere, "-o", deeper.string(), "7-crossover-clockwork"});
    CHECK(r.code == 7);
    CHECK(r.err == "ferry: the folder " + deeper.string() + " does not exist, nor its parent\n");
    CHECK_FALSE(fs::exists(out.path / "missing"));
}

TEST_CASE("relay address options take localhost, and a bare --metrics port is loopback",
          "[cli][e2e]") {
    process relay({ferry_binary(), "relay", "--listen", "localhost:0", "--metrics", "0"});
    CHECK_THAT(relay.wait_for_error_line("metrics at", 20s),
               Catch::Contains("metrics at http://127.0.0.1:"));
    CHECK_THAT(relay.wait_for_error_line("listening on", 20s),
               Catch::Contains("listening on 127.0.0.1:"));
    relay.kill(SIGTERM);
    CHECK(relay.wait(30s) == 0);

    const auto named =
        run_ferry({"relay", "--listen", "127.0.0.1:0", "--metrics", "nowhere.invalid:9101"});
    CHECK(named.code == 2);
    CHECK(named.err ==
          "ferry: --metrics needs an IP address or localhost, not 'nowhere.invalid'\n");
}
