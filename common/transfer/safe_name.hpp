#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ferry {

inline constexpr std::size_t max_name_bytes = 255;

// Why a file name cannot be offered or saved as it is, or nullopt when it is a safe base name:
// not empty, not . or .., no / or \, no NUL, no control characters (C0, DEL, C1), no format
// characters (bidi controls, zero-width ones, U+FEFF, the rest of Unicode category Cf), valid
// UTF-8, at most 255 bytes. The sender checks its own name with it, the receiver the offered one.
std::optional<std::string> unsafe_name_reason(std::string_view name);

// Names beginning with ".ferry-" are the receiver's own in a target folder (its staging and
// partial folders): a received item taking one could pose as a transfer kept for a resume.
inline constexpr std::string_view reserved_name_prefix = ".ferry-";
// unsafe_name_reason, and no reserved name: for what lands directly in the target folder (one
// file, a tree's top-level items). Both sides check it, as unsafe_name_reason.
std::optional<std::string> unsafe_item_name_reason(std::string_view name);

}  // namespace ferry
