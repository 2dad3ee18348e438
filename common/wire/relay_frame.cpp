#include "common/wire/relay_frame.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/wire/cursor.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry::relay_proto {

namespace {

const char* name_of(frame_type t);

void expect_size(const frame& f, const wire::reader& r, std::size_t size) {
    if (r.left() != size) {
        throw wire_error(fmt::format("relay frame '{}' must carry {} payload bytes, got {}",
                                     name_of(f.type), size, r.left()));
    }
}

// ERROR and PONG texts are at most max_message bytes, as encode() writes them.
std::string text_of(const char* what, byte_span text) {
    if (text.size() > max_message) {
        throw wire_error(fmt::format("relay {} text of {} bytes is over the limit of {}", what,
                                     text.size(), max_message));
    }
    return std::string(as_chars(text));
}

std::uint32_t read_nameplate(wire::reader& r) {
    const auto nameplate = r.u32("nameplate");
    if (nameplate == 0) throw wire_error("nameplate 0 is not valid");
    return nameplate;
}

// ALLOCATE, PING, END_SHARE and PAIRED carry nothing.
void encode_empty(wire::writer&, const frame&) {}
void decode_empty(wire::reader& r, frame& f) {
    expect_size(f, r, 0);
}

// CLAIM, REOPEN and ALLOCATED: the nameplate u32 (never 0).
void encode_nameplate(wire::writer& w, const frame& f) {
    w.u32(f.nameplate);
}
void decode_nameplate(wire::reader& r, frame& f) {
    expect_size(f, r, 4);
    f.nameplate = read_nameplate(r);
}

// JOIN, RESUME_SHARE and SHARE_OPENED: the nameplate u32 (never 0) and a ticket or token (16).
void encode_ticketed(wire::writer& w, const frame& f) {
    w.u32(f.nameplate).bytes(f.ticket);
}
void decode_ticketed(wire::reader& r, frame& f) {
    expect_size(f, r, 4 + share_ticket_size);
    f.nameplate = read_nameplate(r);
    r.fill(f.ticket, "ticket");
}

// ERROR: the code u8, then its text.
void encode_error(wire::writer& w, const frame& f) {
    w.u8(static_cast<std::uint8_t>(f.error)).chars(f.text, max_message);
}
void decode_error(wire::reader& r, frame& f) {
    if (r.left() == 0) throw wire_error("relay error frame without an error code");
    f.error = static_cast<error_code>(r.u8("error code"));
    f.text = text_of("error", r.rest());
}

// PONG: the relay's version text.
void encode_pong(wire::writer& w, const frame& f) {
    w.chars(f.text, max_message);
}
void decode_pong(wire::reader& r, frame& f) {
    f.text = text_of("pong", r.rest());
}

// RECONNECT: the rendezvous id (16), then the role u8 (0 or 1).
void encode_reconnect(wire::writer& w, const frame& f) {
    w.bytes(f.id).u8(static_cast<std::uint8_t>(f.side));
}
void decode_reconnect(wire::reader& r, frame& f) {
    expect_size(f, r, rendezvous_id_size + 1);
    r.fill(f.id, "rendezvous id");
    const auto side = r.u8("role");
    if (side > 1) throw wire_error("reconnect role must be 0 or 1");
    f.side = static_cast<role>(side);
}

// ARRIVED: the ticket, then the receiver's address text (at most max_arrived_address bytes).
void encode_arrived(wire::writer& w, const frame& f) {
    w.bytes(f.ticket).chars(f.text, max_arrived_address);
}
void decode_arrived(wire::reader& r, frame& f) {
    if (r.left() < share_ticket_size) {
        throw wire_error(
            fmt::format("relay frame 'arrived' must carry at least {} payload bytes, "
                        "got {}",
                        share_ticket_size, r.left()));
    }
    r.fill(f.ticket, "ticket");
    const auto address = r.rest();
    if (address.size() > max_arrived_address) {
        throw wire_error(fmt::format("relay arrived address of {} bytes is over the limit of {}",
                                     address.size(), max_arrived_address));
    }
    f.text = std::string(as_chars(address));
}

// SHARE: nothing, or the flags byte 0x01 of a share that can resume (ferry 0.10).
void encode_share(wire::writer& w, const frame& f) {
    if (f.resumable) w.u8(1);
}
void decode_share(wire::reader& r, frame& f) {
    if (r.left() == 0) return;
    expect_size(f, r, 1);
    if (r.u8("share flags") != 1) throw wire_error("relay frame 'share' flags must be 0x01");
    f.resumable = true;
}

// Each frame type this side knows: its name in errors and how its payload is written and read.
struct layout {
    frame_type type;
    const char* name;
    void (*encode)(wire::writer&, const frame&);
    void (*decode)(wire::reader&, frame&);
};
constexpr std::array<layout, 15> layouts{{
    {frame_type::allocate, "allocate", encode_empty, decode_empty},
    {frame_type::claim, "claim", encode_nameplate, decode_nameplate},
    {frame_type::ping, "ping", encode_empty, decode_empty},
    {frame_type::reconnect, "reconnect", encode_reconnect, decode_reconnect},
    {frame_type::share, "share", encode_share, decode_share},
    {frame_type::join, "join", encode_ticketed, decode_ticketed},
    {frame_type::resume_share, "resume_share", encode_ticketed, decode_ticketed},
    {frame_type::end_share, "end_share", encode_empty, decode_empty},
    {frame_type::reopen, "reopen", encode_nameplate, decode_nameplate},
    {frame_type::allocated, "allocated", encode_nameplate, decode_nameplate},
    {frame_type::paired, "paired", encode_empty, decode_empty},
    {frame_type::pong, "pong", encode_pong, decode_pong},
    {frame_type::arrived, "arrived", encode_arrived, decode_arrived},
    {frame_type::share_opened, "share_opened", encode_ticketed, decode_ticketed},
    {frame_type::error, "error", encode_error, decode_error},
}};

// nullptr for a type this side does not know.
const layout* layout_of(frame_type t) {
    const auto it = std::ranges::find(layouts, t, &layout::type);
    return it == layouts.end() ? nullptr : &*it;
}

const char* name_of(frame_type t) {
    return layout_of(t)->name;
}

}  // namespace

std::vector<std::uint8_t> encode(const frame& f) {
    wire::writer w(header_size + max_payload);
    w.bytes(magic).u8(version).u8(static_cast<std::uint8_t>(f.type)).u16(0);
    if (const auto* l = layout_of(f.type)) l->encode(w, f);
    w.patch_u16(6, static_cast<std::uint16_t>(w.size() - header_size));
    return w.take();
}

std::size_t payload_size(byte_span header, std::size_t max) {
    if (header.size() != header_size) throw wire_error("relay frame header has the wrong size");
    wire::reader r(header, "relay frame header");
    if (!std::ranges::equal(r.take(magic.size(), "magic"), magic)) {
        throw wire_error("not a ferry relay frame (bad magic)");
    }
    const auto v = r.u8("version");
    if (v != version) {
        throw wire_error(
            fmt::format("unsupported relay protocol version {} (this side speaks {})", v, version));
    }
    const auto type = r.u8("type");
    if (layout_of(static_cast<frame_type>(type)) == nullptr) {
        throw wire_error(fmt::format("unknown relay frame type 0x{:02x}", type));
    }
    const std::size_t size = r.u16("payload length");
    if (size > max) {
        throw wire_error(fmt::format("relay frame of {} bytes is over the limit of {}", size, max));
    }
    return size;
}

frame decode(byte_span header, byte_span payload) {
    frame f;
    f.type = static_cast<frame_type>(header[5]);
    wire::reader r(payload, "relay frame");
    if (const auto* l = layout_of(f.type)) l->decode(r, f);
    return f;
}

std::string_view describe(error_code code) {
    static constexpr std::array<std::string_view, 12> texts{
        "bad hello",        "unknown nameplate", "nameplate already in use",
        "hello timeout",    "no receiver came",  "relay full",
        "too many waiting", "rate limited",      "shutting down",
        "share busy",       "share ended",       "relay cluster unavailable",
    };
    static_assert(texts.size() == static_cast<std::size_t>(error_code::cluster_unavailable),
                  "a text for each error code, 1 to the last");
    const auto i = static_cast<std::size_t>(code) - 1;
    if (i >= texts.size()) return "unknown error";
    return texts[i];
}

}  // namespace ferry::relay_proto
