#include "common/ui/suggest.hpp"

#include <algorithm>

namespace ferry {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    // The optimal string alignment distance: three rows of the Damerau-Levenshtein table.
    const auto width = b.size() + 1;
    std::vector<std::size_t> before(width), previous(width), current(width);
    for (std::size_t j = 0; j < width; ++j)
        previous[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (std::size_t j = 1; j < width; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                current[j] = std::min(current[j], before[j - 2] + 1);
            }
        }
        before.swap(previous);
        previous.swap(current);
    }
    return previous[b.size()];
}

std::optional<std::string> closest(std::string_view typed, const std::vector<std::string>& known) {
    std::optional<std::string> best;
    std::size_t best_distance = 0;
    for (const auto& word : known) {
        const auto d = edit_distance(typed, word);
        if (d == 0 || d > 2 || 2 * d >= typed.size()) continue;
        if (!best || d < best_distance) {
            best = word;
            best_distance = d;
        }
    }
    return best;
}

}  // namespace ferry
