#include "common/ui/text.hpp"

#include <fmt/format.h>

#include "common/ui/utf8.hpp"

namespace ferry {

std::string printable(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const auto d = utf8::decode(s, i);
        if (d.length == 0 || d.code_point < 0x20 || d.code_point == 0x7f) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(s[i]));
            ++i;
            continue;
        }
        if (utf8::is_control(d.code_point) || utf8::is_format(d.code_point)) {
            out += fmt::format("\\u{{{:x}}}", static_cast<std::uint32_t>(d.code_point));
        } else {
            out.append(s.substr(i, d.length));
        }
        i += d.length;
    }
    return out;
}

std::string printable_folder(const std::filesystem::path& dir) {
    auto s = dir.string();
    if (!s.ends_with('/')) s += '/';
    return printable(s);
}

}  // namespace ferry
