// A share's messages: SHARED, WANT and LISTED (layouts in docs/protocol.md).
#include "common/transfer/message_codec.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/wire/wire_error.hpp"

namespace ferry::msg {

void encode_want(wire::writer& w, const want& m) {
    put_type(w, type::want).u8(static_cast<std::uint8_t>(m.mode));
    const auto count = std::min(m.paths.size(), max_offer_items);
    w.u16(static_cast<std::uint16_t>(count));
    for (std::size_t i = 0; i < count; ++i)
        w.string16(m.paths[i], max_path_bytes);
}

want decode_want(wire::reader& r) {
    want m;
    const auto mode = r.u8("want mode");
    if (mode > static_cast<std::uint8_t>(want_mode::list)) {
        throw wire_error(fmt::format("unknown want mode {}", mode));
    }
    m.mode = static_cast<want_mode>(mode);
    const auto count = r.u16("want path count");
    if (count > max_offer_items) {
        throw wire_error(fmt::format("a want of {} paths (at most {})", count, max_offer_items));
    }
    if (m.mode == want_mode::list && count != 0) throw wire_error("a want to list names paths");
    m.paths.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        auto path = r.string16(max_path_bytes, "want path");
        if (path.empty()) throw wire_error("a want names an empty path");
        m.paths.push_back(std::move(path));
    }
    r.finish("want");
    return m;
}

void encode_listed(wire::writer& w, const listed& m) {
    put_type(w, type::listed).u32(m.entries);
}

listed decode_listed(wire::reader& r) {
    const listed m{decode_number<std::uint32_t>(r, "listed entries", "listed")};
    if (m.entries > max_tree_entries) {
        throw wire_error(
            fmt::format("a listing of {} entries (at most {})", m.entries, max_tree_entries));
    }
    return m;
}

void encode_shared(wire::writer& w, const shared&) {
    put_type(w, type::shared);
}

shared decode_shared(wire::reader& r) {
    r.finish("shared");
    return shared{};
}

}  // namespace ferry::msg
