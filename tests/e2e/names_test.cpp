// What the command line says before any connection: names no receiver would take, usage errors.
#include <catch2/catch.hpp>

#include <fstream>

#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

// Port 1 on loopback: nothing listens there, so reaching the network would fail with exit 3.
const std::string nowhere = "127.0.0.1:1";

void check_one_line_usage_error(const finished_command& r, const std::string& help) {
    INFO(r.err);
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::StartsWith("ferry: "));
    CHECK_THAT(r.err, Catch::EndsWith("; see '" + help + "'\n"));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

}  // namespace

TEST_CASE("the sender refuses at once a name with a control character", "[names][e2e]") {
    temp_dir in;
    const auto path = in.path /
                      "a\x01"
                      "b";
    std::ofstream(path) << "hello";
    const auto r = run_ferry({"send", "--relay", nowhere, path.string()});
    INFO(r.err);
    CHECK(r.code == 2);
    CHECK(r.err ==
          "ferry: cannot send 'a\\x01b': the name contains control characters; rename the file "
          "first\n");
    CHECK(r.out.empty());  // no code was printed
}

TEST_CASE("the sender refuses at once a name with a right-to-left override", "[names][e2e]") {
    temp_dir in;
    const auto path = in.path /
                      "invoice\xe2\x80\xae"
                      "fdp.exe";
    std::ofstream(path) << "MZ";
    const auto r = run_ferry({"send", "--relay", nowhere, path.string()});
    INFO(r.err);
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::StartsWith("ferry: cannot send 'invoice\\u{202e}fdp.exe': the name "
                                        "contains a bidirectional text control (U+202E)"));
    CHECK_THAT(r.err, Catch::EndsWith("; rename the file first\n"));
    CHECK(r.err.find("\xe2\x80\xae") == std::string::npos);
}

TEST_CASE("the sender refuses at once to offer a name of ferry's own folders", "[names][e2e]") {
    temp_dir in;
    const auto folder = in.path / ".ferry-partial-0123456789abcdef01234567";
    fs::create_directory(folder);
    std::ofstream(folder / "data") << "hello";
    const auto file = in.path / ".ferry-x";
    std::ofstream(file) << "hello";
    for (const auto& path : {folder, file}) {
        const auto r = run_ferry({"send", "--relay", nowhere, path.string()});
        INFO(r.err);
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::StartsWith("ferry: cannot send '" + path.filename().string() +
                                            "': names beginning with '.ferry-' are kept for "
                                            "ferry's own folders; rename"));
        CHECK(r.out.empty());
    }
}

TEST_CASE("usage errors are one line with the ferry: prefix and exit 2", "[cli][e2e]") {
    check_one_line_usage_error(run_ferry({"send", "--no-such-option", "x"}), "ferry send --help");
    check_one_line_usage_error(run_ferry({"send"}), "ferry send --help");
    check_one_line_usage_error(run_ferry({"receive", "--relay"}), "ferry receive --help");
    check_one_line_usage_error(run_ferry({"receive"}), "ferry receive --help");
    check_one_line_usage_error(run_ferry({"--bogus"}), "ferry --help");
    check_one_line_usage_error(run_ferry({}), "ferry --help");
    const auto missing = run_ferry({"send"});
    CHECK_THAT(missing.err, Catch::Contains("say what to send"));
    const auto unknown = run_ferry({"send", "--no-such-option", "x"});
    CHECK_THAT(unknown.err, Catch::Contains("--no-such-option"));
}

TEST_CASE("the --help and --version answers are unchanged", "[cli][e2e]") {
    const auto help = run_ferry({"send", "--help"});
    CHECK(help.code == 0);
    CHECK_THAT(help.out, Catch::Contains("--code-words"));
    CHECK(help.err.empty());
    const auto version = run_ferry({"--version"});
    CHECK(version.code == 0);
    CHECK_THAT(version.out, Catch::StartsWith("ferry "));
}
