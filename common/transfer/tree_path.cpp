#include "common/transfer/tree_path.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/transfer/message.hpp"
#include "common/transfer/safe_name.hpp"

namespace ferry {

std::size_t path_depth(std::string_view path) {
    return static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')) + 1;
}

std::optional<std::string> unsafe_path_reason(std::string_view path) {
    if (path.empty()) return "the path is empty";
    if (path.size() > msg::max_path_bytes) {
        return fmt::format("the path is {} bytes long (at most {})", path.size(),
                           msg::max_path_bytes);
    }
    if (path.front() == '/') return "the path is absolute";
    if (path_depth(path) > msg::max_path_depth) {
        return fmt::format("the path is {} folders deep (at most {})", path_depth(path),
                           msg::max_path_depth);
    }
    std::size_t start = 0;
    for (;;) {
        const auto slash = path.find('/', start);
        const auto part =
            path.substr(start, slash == std::string_view::npos ? slash : slash - start);
        if (part.empty()) return "the path has an empty component";
        if (auto why = unsafe_name_reason(part)) return fmt::format("a path component: {}", *why);
        if (slash == std::string_view::npos) return std::nullopt;
        start = slash + 1;
    }
}

std::optional<std::string> unsafe_link_reason(std::string_view path, std::string_view target) {
    if (target.empty()) return "the link has no target";
    if (target.size() > msg::max_path_bytes) return "the link target is too long";
    if (target.front() == '/') return "the link points to an absolute path";
    // The folders above the link inside its top-level item: "photos/a/link" has 1 (a).
    const auto above = path_depth(path) - std::min<std::size_t>(path_depth(path), 2);
    std::size_t ups = 0;
    bool names = false;
    std::size_t start = 0;
    for (;;) {
        const auto slash = target.find('/', start);
        const auto part =
            target.substr(start, slash == std::string_view::npos ? slash : slash - start);
        if (part == "..") {
            if (names) return "the link target has '..' after a name";
            if (++ups > above) return "the link points outside the folder it is in";
        } else if (!part.empty() || slash == std::string_view::npos) {
            // An empty part in the middle is a doubled '/', harmless; a trailing '/' is refused.
            if (auto why = unsafe_name_reason(part))
                return fmt::format("the link target: {}", *why);
            names = true;
        }
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    if (path_depth(path) < 2) return "a top-level item is a link";
    return std::nullopt;
}

}  // namespace ferry
