#include "common/transfer/safe_name.hpp"

#include <fmt/format.h>

#include "common/ui/utf8.hpp"

namespace ferry {

namespace {

std::optional<std::string> byte_reason(std::string_view name) {
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '/' || c == '\\') return "the name contains a path separator";
        if (u == 0) return "the name contains a NUL byte";
        if (u < 0x20 || u == 0x7f) return "the name contains control characters";
    }
    return std::nullopt;
}

std::optional<std::string> code_point_reason(std::string_view name) {
    for (std::size_t i = 0; i < name.size();) {
        const auto d = utf8::decode(name, i);
        if (d.length == 0) return "the name is not valid UTF-8";
        const auto cp = static_cast<std::uint32_t>(d.code_point);
        if (utf8::is_control(d.code_point)) {
            return fmt::format("the name contains control characters (U+{:04X})", cp);
        }
        if (utf8::is_bidi_control(d.code_point)) {
            return fmt::format(
                "the name contains a bidirectional text control (U+{:04X}) that can make it "
                "look like another name",
                cp);
        }
        if (utf8::is_format(d.code_point)) {
            return fmt::format("the name contains an invisible format character (U+{:04X})", cp);
        }
        i += d.length;
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> unsafe_name_reason(std::string_view name) {
    if (name.empty()) return "the name is empty";
    if (name.size() > max_name_bytes) {
        return fmt::format("the name is {} bytes long (at most {})", name.size(), max_name_bytes);
    }
    if (name == "." || name == "..") return "the name is a directory reference";
    if (auto why = byte_reason(name)) return why;
    return code_point_reason(name);
}

std::optional<std::string> unsafe_item_name_reason(std::string_view name) {
    if (auto why = unsafe_name_reason(name)) return why;
    if (name.starts_with(reserved_name_prefix)) {
        return fmt::format("names beginning with '{}' are kept for ferry's own folders",
                           reserved_name_prefix);
    }
    return std::nullopt;
}

}  // namespace ferry
