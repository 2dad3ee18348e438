#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/ui/line_editor.hpp"

// Transfer codes: NAMEPLATE-WORD-WORD..., words from the PGP word list.
namespace ferry {

inline constexpr int min_code_words = 2;
inline constexpr int max_code_words = 8;

struct code {
    std::uint32_t nameplate = 0;
    std::vector<std::string> words;  // lower case

    // The normalised text: "7-crossover-clockwork".
    [[nodiscard]] std::string text() const;
};

// The PGP word list: even words (two syllables) and odd words (three syllables), by byte value.
std::string_view pgp_even_word(std::uint8_t value);
std::string_view pgp_odd_word(std::uint8_t value);

// Draws `words` words from a CSPRNG: odd list first, then even, alternating.
code generate_code(std::uint32_t nameplate, int words);

// Tab at the code prompt: the word being typed (the last, after the nameplate) completed from
// the word list of its place (odd words first, then even, as generate_code() draws them; either
// list if its own has none): one that fits is written out with a '-' after it, several are
// extended to what they share and returned as choices.
completion complete_code(std::string_view typed);

// Parses what a person typed: case-insensitive, hyphens or spaces. Throws failure(usage) with a
// message naming the first unknown word.
code parse_code(std::string_view text);

}  // namespace ferry
