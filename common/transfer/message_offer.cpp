// OFFER and a tree's ENTRY (layouts in docs/protocol.md).
#include "common/transfer/message_codec.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/wire/wire_error.hpp"

namespace ferry::msg {

namespace {

entry_type to_entry_type(std::uint8_t v, const char* what) {
    if (v > static_cast<std::uint8_t>(entry_type::symlink)) {
        throw wire_error(fmt::format("unknown {} type {}", what, v));
    }
    return static_cast<entry_type>(v);
}

// A tree offer's totals and items, after the common fields.
void encode_tree(wire::writer& w, const offer& o) {
    w.u32(o.files).u32(o.folders).u32(o.symlinks);
    const auto count = std::min(o.items.size(), max_offer_items);
    w.u16(static_cast<std::uint16_t>(count));
    for (std::size_t i = 0; i < count; ++i) {
        const auto& item = o.items[i];
        w.u8(static_cast<std::uint8_t>(item.type)).u32(item.files).u64(item.size);
        w.string16(item.name, max_name_bytes);
    }
}

offer_item decode_item(wire::reader& r) {
    offer_item item;
    item.type = to_entry_type(r.u8("offer item type"), "offer item");
    item.files = r.u32("offer item file count");
    item.size = r.u64("offer item size");
    item.name = r.string16(max_name_bytes, "offer item name");
    if (item.type == entry_type::symlink) throw wire_error("a top-level item is a symlink");
    if (item.type == entry_type::file && item.files != 1) {
        throw wire_error("a top-level file counts other than 1 file");
    }
    return item;
}

// The totals and items; the sums must add up.
void decode_tree(wire::reader& r, offer& o) {
    o.files = r.u32("offer file count");
    o.folders = r.u32("offer folder count");
    o.symlinks = r.u32("offer symlink count");
    const auto count = r.u16("offer item count");
    if (count == 0 || count > max_offer_items) {
        throw wire_error(fmt::format("a tree offer of {} items (1 to {})", count, max_offer_items));
    }
    if (std::uint64_t{o.files} + o.folders + o.symlinks > max_tree_entries) {
        throw wire_error(fmt::format("a tree offer of over {} entries", max_tree_entries));
    }
    std::uint64_t files = 0;
    std::uint64_t size = 0;
    for (std::size_t i = 0; i < count; ++i) {
        auto item = decode_item(r);
        files += item.files;
        size += item.size;
        if (size < item.size) throw wire_error("the offered sizes overflow");
        o.items.push_back(std::move(item));
    }
    if (files != o.files || size != o.size) {
        throw wire_error("a tree offer's items do not add up to its totals");
    }
}

}  // namespace

void encode_offer(wire::writer& w, const offer& o) {
    put_type(w, type::offer).u8(o.kind).u64(o.size).string16(o.name, max_name_bytes);
    if (o.kind == static_cast<std::uint8_t>(offer_kind::tree)) encode_tree(w, o);
}

offer decode_offer(wire::reader& r) {
    offer o;
    o.kind = r.u8("offer kind");
    const auto kind = static_cast<offer_kind>(o.kind);
    if (o.kind > static_cast<std::uint8_t>(offer_kind::tree)) {
        throw wire_error(fmt::format("unsupported offer kind {}", o.kind));
    }
    o.size = r.u64("offer size");
    o.name = r.string16(max_name_bytes, "offered name");
    if (kind == offer_kind::tree) decode_tree(r, o);
    r.finish("offer");
    if (kind == offer_kind::text && o.size > max_text_offer) {
        throw wire_error(fmt::format("a text offer of {} bytes is over the limit of {}", o.size,
                                     max_text_offer));
    }
    if ((kind == offer_kind::text || kind == offer_kind::tree) && !o.name.empty()) {
        throw wire_error("a text or tree offer carries a name");
    }
    if (kind == offer_kind::stream && o.size != 0) {
        throw wire_error("a stream offer has no size (it must be 0)");
    }
    return o;
}

void encode_entry(wire::writer& w, const entry& e) {
    put_type(w, type::entry).u8(static_cast<std::uint8_t>(e.type)).u16(e.mode);
    w.u64(static_cast<std::uint64_t>(e.mtime_ns)).u64(e.size);
    w.string16(e.path, max_path_bytes).string16(e.target, max_path_bytes);
}

entry decode_entry(wire::reader& r) {
    entry e;
    e.type = to_entry_type(r.u8("entry type"), "entry");
    e.mode = r.u16("entry mode");
    e.mtime_ns = static_cast<std::int64_t>(r.u64("entry mtime"));
    e.size = r.u64("entry size");
    e.path = r.string16(max_path_bytes, "entry path");
    e.target = r.string16(max_path_bytes, "entry link target");
    r.finish("entry");
    if (e.mode > 07777) throw wire_error(fmt::format("entry mode {:o} is not a mode", e.mode));
    if (e.path.empty()) throw wire_error("an entry has an empty path");
    if (e.type != entry_type::file && e.size != 0) throw wire_error("a folder or link has a size");
    if ((e.type == entry_type::symlink) == e.target.empty()) {
        throw wire_error("a link target comes with symlinks only, and every symlink has one");
    }
    return e;
}

}  // namespace ferry::msg
