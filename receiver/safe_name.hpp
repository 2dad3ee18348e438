#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ferry::receiver {

inline constexpr std::size_t max_name_bytes = 255;

// Why an offered file name cannot be used as it is, or nullopt when it is a safe base name:
// not empty, not . or .., no / or \, no NUL or control characters, valid UTF-8, <= 255 bytes.
std::optional<std::string> unsafe_name_reason(std::string_view name);

// "report.pdf", 2 -> "report (2).pdf"; "notes" -> "notes (2)"; ".bashrc" -> ".bashrc (2)".
std::string numbered_name(std::string_view name, int n);

}  // namespace ferry::receiver
