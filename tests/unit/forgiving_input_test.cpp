// What a person types: the code prompt's line editor and Tab completion, the Accept? answers.
#include <catch2/catch.hpp>

#include "common/session/code.hpp"
#include "common/session/pgp_words.hpp"
#include "common/ui/line_editor.hpp"
#include "receiver/accept_prompt.hpp"

using namespace ferry;

TEST_CASE("Tab completes a code's words from the list of their place", "[code][complete]") {
    // The first word comes from the odd list, the second from the even one.
    const auto odd = std::string(pgp_words::odd[0x10]);
    const auto even = std::string(pgp_words::even[0x10]);
    std::size_t n = 1;
    while (n < odd.size() && complete_code("7-" + odd.substr(0, n)).line != "7-" + odd + "-")
        ++n;
    CHECK(complete_code("7-" + odd.substr(0, n)).line == "7-" + odd + "-");
    CHECK(complete_code("7-" + odd.substr(0, n)).choices.empty());
    CHECK(complete_code("7-" + odd + "-" + even).line == "7-" + odd + "-" + even + "-");
    // Upper case and spaces are taken as typed; the word comes out in lower case.
    CHECK(complete_code("7 " + odd).line == "7 " + odd + "-");
    // Several fit: extended to what they share, and listed.
    const auto several = complete_code("7-a");
    CHECK(several.choices.size() > 1);
    for (const auto& w : several.choices)
        CHECK(w.starts_with(several.line.substr(2)));
    // Nothing fits, the nameplate, an empty word: unchanged, no list of 256.
    CHECK(complete_code("7-qqq").line == "7-qqq");
    CHECK(complete_code("7").line == "7");
    CHECK(complete_code("7-").line == "7-");
    CHECK(complete_code("7-").choices.empty());
}

TEST_CASE("the line editor types, erases, completes and ends", "[line_editor]") {
    line_editor e([](std::string_view line) {
        return completion{std::string(line) + "+", {"one", "two"}};
    });
    for (const char c : std::string("ab"))
        CHECK(e.feed(c) == line_editor::state::editing);
    e.feed(0x7f);
    CHECK(e.line() == "a");
    e.feed('\t');
    CHECK(e.line() == "a+");
    CHECK(e.take_choices() == std::vector<std::string>{"one", "two"});
    CHECK(e.take_choices().empty());
    // An arrow key (ESC [ A) types nothing; Ctrl-U clears.
    for (const char c : std::string("\x1b[A"))
        e.feed(c);
    CHECK(e.line() == "a+");
    e.feed(0x15);
    CHECK(e.line().empty());
    CHECK(e.feed(0x04) == line_editor::state::cancelled);
    e.feed('x');
    CHECK(e.feed(0x04) == line_editor::state::editing);  // Ctrl-D ends only an empty line
    CHECK(e.feed(0x03) == line_editor::state::interrupted);
    CHECK(e.feed('\r') == line_editor::state::done);
    CHECK(e.line() == "x");
}

TEST_CASE("the Accept? answers: y, yes, n, no in any case, and anything else asks again",
          "[prompt]") {
    using receiver::classify_answer;
    using receiver::line_answer;
    for (const auto* yes : {"y", "Y", "yes", "YES", " Yes \r"})
        CHECK(classify_answer(yes) == line_answer::yes);
    for (const auto* no : {"n", "N", "no", "No", "\tno "})
        CHECK(classify_answer(no) == line_answer::no);
    for (const auto* unclear : {"", " ", "ye", "yes please", "nope", "\r"})
        CHECK(classify_answer(unclear) == line_answer::unclear);
}
