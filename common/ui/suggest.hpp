#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// "did you mean 'send'?": the known word nearest a mistyped one.
namespace ferry {

// Edits (insert, delete, replace, swap two neighbours) from a to b: "sned" → "send" is 1.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest `typed`, if near enough to be what was meant: at most 2 edits, and fewer
// than half of its letters (so "x" suggests nothing). The first of equally near ones.
std::optional<std::string> closest(std::string_view typed, const std::vector<std::string>& known);

}  // namespace ferry
