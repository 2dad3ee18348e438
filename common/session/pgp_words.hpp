#pragma once

#include <array>
#include <string_view>

// Generated at configure time from data/pgp-wordlist.tsv (see common/CMakeLists.txt).
namespace ferry::pgp_words {
extern const std::array<std::string_view, 256> even;
extern const std::array<std::string_view, 256> odd;
}  // namespace ferry::pgp_words
