#include "common/session/code.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <unordered_map>

#include <fmt/format.h>
#include <openssl/rand.h>

#include "common/session/pgp_words.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"

namespace ferry {

namespace {

const std::unordered_map<std::string_view, int>& word_index() {
    static const auto index = [] {
        std::unordered_map<std::string_view, int> m;
        for (int i = 0; i < 256; ++i) {
            m.emplace(pgp_words::even[static_cast<std::size_t>(i)], i);
            m.emplace(pgp_words::odd[static_cast<std::size_t>(i)], i);
        }
        return m;
    }();
    return index;
}

std::vector<std::string> split_code(std::string_view text) {
    std::vector<std::string> parts;
    std::string current;
    for (char c : text) {
        if (c == '-' || std::isspace(static_cast<unsigned char>(c)) != 0) {
            if (!current.empty()) parts.push_back(std::move(current));
            current.clear();
        } else {
            current.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        }
    }
    if (!current.empty()) parts.push_back(std::move(current));
    return parts;
}

}  // namespace

std::string code::text() const {
    std::string out = std::to_string(nameplate);
    for (const auto& w : words) {
        out += '-';
        out += w;
    }
    return out;
}

std::string_view pgp_even_word(std::uint8_t value) {
    return pgp_words::even[value];
}
std::string_view pgp_odd_word(std::uint8_t value) {
    return pgp_words::odd[value];
}

code generate_code(std::uint32_t nameplate, int words) {
    if (words < min_code_words || words > max_code_words) {
        throw failure(exit_code::usage, fmt::format("a code has {} to {} words, not {}",
                                                    min_code_words, max_code_words, words));
    }
    std::array<unsigned char, max_code_words> random{};
    if (RAND_bytes(random.data(), words) != 1) {
        throw failure(exit_code::internal, "the system random generator failed");
    }
    code c;
    c.nameplate = nameplate;
    for (int i = 0; i < words; ++i) {
        const auto v = random[static_cast<std::size_t>(i)];
        c.words.emplace_back(i % 2 == 0 ? pgp_odd_word(v) : pgp_even_word(v));
    }
    return c;
}

namespace {

// At most 40 characters of what was typed, for error messages.
std::string shown(std::string_view token) {
    return printable(token.size() > 40 ? std::string(token.substr(0, 40)) + "..." : token);
}

}  // namespace

namespace {

std::vector<std::string> words_starting(const std::array<std::string_view, 256>& list,
                                        std::string_view prefix) {
    std::vector<std::string> out;
    for (const auto word : list) {
        if (word.starts_with(prefix)) out.emplace_back(word);
    }
    return out;
}

}  // namespace

completion complete_code(std::string_view typed) {
    const auto start = typed.find_last_of("- \t") + 1;  // npos + 1: the whole line
    if (start == 0) return {std::string(typed), {}};    // the nameplate: nothing to complete
    std::string prefix;
    for (const char c : typed.substr(start))
        prefix.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    const auto place = split_code(typed.substr(0, start)).size();  // 1: the first word
    const auto& own = place % 2 == 1 ? pgp_words::odd : pgp_words::even;
    const auto& other = place % 2 == 1 ? pgp_words::even : pgp_words::odd;
    auto fits = words_starting(own, prefix);
    if (fits.empty()) fits = words_starting(other, prefix);
    const auto head = std::string(typed.substr(0, start));
    if (fits.empty()) return {std::string(typed), {}};
    if (fits.size() == 1) return {head + fits.front() + "-", {}};
    auto shared = fits.front();
    for (const auto& word : fits) {
        std::size_t n = 0;
        while (n < shared.size() && n < word.size() && shared[n] == word[n])
            ++n;
        shared.resize(n);
    }
    if (prefix.empty()) fits.clear();  // all 256: no list to read
    return {head + shared, std::move(fits)};
}

code parse_code(std::string_view text) {
    const auto first_char = text.find_first_not_of(" \t");
    if (first_char != std::string_view::npos && text[first_char] == '-') {
        throw failure(exit_code::usage, "a code starts with a number, like 7-crossover-clockwork");
    }
    const auto parts = split_code(text);
    if (parts.empty()) throw failure(exit_code::usage, "the code is empty");
    code c;
    const auto& first = parts.front();
    std::uint32_t nameplate = 0;
    const auto [end, ec] = std::from_chars(first.data(), first.data() + first.size(), nameplate);
    if (ec != std::errc{} || end != first.data() + first.size() || nameplate == 0) {
        throw failure(exit_code::usage,
                      fmt::format("a code starts with a number, like 7-crossover-clockwork; "
                                  "'{}' is not one",
                                  shown(first)));
    }
    c.nameplate = nameplate;
    const auto word_count = static_cast<int>(parts.size()) - 1;
    if (word_count < min_code_words || word_count > max_code_words) {
        throw failure(exit_code::usage,
                      fmt::format("a code has a number and {} to {} words, like "
                                  "7-crossover-clockwork; this one has {}",
                                  min_code_words, max_code_words,
                                  plural(static_cast<std::uint64_t>(word_count), "word")));
    }
    const auto& index = word_index();
    for (std::size_t i = 1; i < parts.size(); ++i) {
        if (!index.contains(parts[i])) {
            throw failure(exit_code::usage,
                          fmt::format("'{}' is not a word that ferry uses in codes; check the "
                                      "spelling",
                                      shown(parts[i])));
        }
        c.words.push_back(parts[i]);
    }
    return c;
}

}  // namespace ferry
