#include <catch2/catch.hpp>

#include <sstream>

#include "common/crypto/sha256.hpp"
#include "common/ui/command_hint.hpp"
#include "common/ui/utf8.hpp"

using namespace ferry;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

const std::vector<std::string> receive{"ferry", "receive", "--relay", "relay.example.org:9009",
                                       "7-crossover-clockwork"};

}  // namespace

TEST_CASE("printed words are quoted only where a shell would change them", "[hint]") {
    CHECK(shell_word("7-crossover-clockwork") == "7-crossover-clockwork");
    CHECK(shell_word("host:9009") == "host:9009");
    CHECK(shell_word("[::1]:9009") == "'[::1]:9009'");  // a glob to the shell, an error to zsh
    CHECK(shell_word("my files") == "'my files'");
    CHECK(shell_word("it's") == "'it'\\''s'");
    CHECK(shell_word("") == "''");
    CHECK(command_text({"ferry", "receive", "--relay", "[::1]:9009", "7-a-b"}) ==
          "ferry receive --relay '[::1]:9009' 7-a-b");
}

TEST_CASE("a hint is one line where it fits", "[hint]") {
    const auto one =
        "On the other computer run:  ferry receive --relay relay.example.org:9009 "
        "7-crossover-clockwork\n";
    CHECK(layout_hint("On the other computer run:", receive, 0) == one);
    CHECK(layout_hint("On the other computer run:", receive, 200) == one);
}

TEST_CASE("on a narrow terminal no word of a hint is cut, and it still pastes", "[hint]") {
    for (const std::size_t width : {80, 60, 40, 30}) {
        INFO(width);
        const auto text = layout_hint("On the other computer run:", receive, width);
        const auto lines = lines_of(text);
        REQUIRE(lines.size() >= 2);
        CHECK(lines[0] == "On the other computer run:");
        std::string pasted;
        for (std::size_t i = 1; i < lines.size(); ++i) {
            const auto& line = lines[i];
            CHECK(utf8::length(line) < width);
            const bool last = i + 1 == lines.size();
            if (!last) {
                REQUIRE_THAT(line, Catch::EndsWith(" \\"));
            }
            pasted += (last ? line : line.substr(0, line.size() - 2)) + " ";
        }
        // What the shell reads: the words in order, the code whole.
        std::istringstream in(pasted);
        std::vector<std::string> words;
        for (std::string w; in >> w;)
            words.push_back(w);
        CHECK(words == receive);
    }
    CHECK(layout_hint("On the other computer run:", receive, 80) ==
          "On the other computer run:\n  ferry receive --relay relay.example.org:9009 "
          "7-crossover-clockwork\n");
}

TEST_CASE("the code goes on a line of its own when the line is too wide", "[hint]") {
    CHECK(layout_code_line("Sending 'report.pdf' (12.4 MiB).", "7-crossover-clockwork", 80) ==
          "Sending 'report.pdf' (12.4 MiB). Code: 7-crossover-clockwork\n");
    CHECK(layout_code_line("Sending 'report.pdf' (12.4 MiB).", "7-crossover-clockwork", 40) ==
          "Sending 'report.pdf' (12.4 MiB).\nCode: 7-crossover-clockwork\n");
    CHECK(layout_code_line("Sending 'report.pdf' (12.4 MiB).", "7-crossover-clockwork", 0) ==
          "Sending 'report.pdf' (12.4 MiB). Code: 7-crossover-clockwork\n");
}

TEST_CASE("the last line's SHA-256 is short, whole with --verbose", "[hint]") {
    sha256 h;
    const auto digest = h.finish();  // of nothing: e3b0c442...
    CHECK(shown_digest(digest, false) == "e3b0c442\u2026");
    CHECK(shown_digest(digest, true) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
