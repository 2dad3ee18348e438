#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "common/session/code.hpp"
#include "common/ui/exit_code.hpp"

using namespace ferry;

TEST_CASE("the compiled-in word list is the PGP list of data/", "[code]") {
    std::ifstream in(FERRY_SOURCE_DIR "/data/pgp-wordlist.tsv");
    REQUIRE(in);
    std::string line;
    int rows = 0;
    std::set<std::string> words;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream fields(line);
        std::string hex, even, odd;
        fields >> hex >> even >> odd;
        const auto value = static_cast<std::uint8_t>(std::stoi(hex, nullptr, 16));
        CHECK(pgp_even_word(value) == even);
        CHECK(pgp_odd_word(value) == odd);
        words.insert(even);
        words.insert(odd);
        ++rows;
    }
    CHECK(rows == 256);
    CHECK(words.size() == 512);
}

TEST_CASE("generated codes alternate odd and even words and parse back", "[code]") {
    for (int n = min_code_words; n <= max_code_words; ++n) {
        const auto c = generate_code(7, n);
        REQUIRE(c.words.size() == static_cast<std::size_t>(n));
        const auto back = parse_code(c.text());
        CHECK(back.nameplate == 7);
        CHECK(back.words == c.words);
        for (int i = 0; i < n; ++i) {
            bool found = false;
            for (int v = 0; v < 256; ++v) {
                const auto w = i % 2 == 0 ? pgp_odd_word(static_cast<std::uint8_t>(v))
                                          : pgp_even_word(static_cast<std::uint8_t>(v));
                found = found || w == c.words[static_cast<std::size_t>(i)];
            }
            CHECK(found);
        }
    }
    CHECK_THROWS_AS(generate_code(1, 1), failure);
    CHECK_THROWS_AS(generate_code(1, 9), failure);
    // Drawn from a CSPRNG: 50 codes of 4 words are not all the same.
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i)
        seen.insert(generate_code(1, 4).text());
    CHECK(seen.size() > 45);
}

TEST_CASE("codes parse case-insensitively with hyphens or spaces", "[code]") {
    const auto a = parse_code("7-crossover-clockwork");
    CHECK(a.nameplate == 7);
    CHECK(a.words == std::vector<std::string>{"crossover", "clockwork"});
    CHECK(parse_code("7 Crossover CLOCKWORK").text() == "7-crossover-clockwork");
    CHECK(parse_code("  7 - crossover   clockwork ").text() == "7-crossover-clockwork");
    CHECK(parse_code("1234-adroitness-aardvark-adviser-absurd").nameplate == 1234);
}

TEST_CASE("bad codes get errors that say what is wrong", "[code]") {
    auto message = [](const char* text) {
        try {
            parse_code(text);
        } catch (const failure& f) {
            CHECK(f.code() == exit_code::usage);
            return std::string(f.what());
        }
        return std::string("no error");
    };
    CHECK_THAT(message("7-crossover-clockwrok"), Catch::Contains("'clockwrok'"));
    CHECK_THAT(message(""), Catch::Contains("empty"));
    CHECK_THAT(message("crossover-clockwork"), Catch::Contains("starts with a number"));
    CHECK_THAT(message("0-crossover-clockwork"), Catch::Contains("starts with a number"));
    CHECK_THAT(message("99999999999-crossover-clockwork"), Catch::Contains("starts with a number"));
    CHECK_THAT(message("7-crossover"), Catch::EndsWith("this one has 1 word"));
    CHECK_THAT(message("7-a-b-c-d-e-f-g-h-i"), Catch::Contains("9 words"));
    CHECK_THAT(message("7-cross\x1b[31mover-clockwork"), Catch::Contains("\\x1b"));
}
