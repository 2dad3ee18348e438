#pragma once

#include <optional>
#include <string>
#include <string_view>

// The rules for the paths of a tree transfer, the same on both sides: the sender checks what it
// is about to offer, the receiver every ENTRY before anything is written.
namespace ferry {

// Why a tree entry's path cannot be saved as it is, or nullopt: relative, '/'-separated, at most
// 4096 bytes and 256 components, no empty component (no leading, doubled or trailing '/'), and
// every component a safe name (unsafe_name_reason: no "." or "..", no control, bidi or format
// character, valid UTF-8, at most 255 bytes).
std::optional<std::string> unsafe_path_reason(std::string_view path);

// Why a symlink at `path` (a safe path) pointing to `target` is not created, or nullopt. A link
// is created only when its target is relative and cannot lead out of the top-level item it is
// in, whatever the links below it point to: any ".." components come first, no more of them
// than the link has folders above it inside its item, and the rest are safe names.
std::optional<std::string> unsafe_link_reason(std::string_view path, std::string_view target);

// The number of '/'-separated components of a path.
std::size_t path_depth(std::string_view path);

}  // namespace ferry
