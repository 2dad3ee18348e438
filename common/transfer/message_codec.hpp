#pragma once

#include <cstdint>

#include "common/transfer/message.hpp"
#include "common/wire/cursor.hpp"

// Inside the message codec: an encode_* and a decode_* per message, the offer's and the tree
// entry's in message_offer.cpp, resuming's in message_resume.cpp, shares' in message_share.cpp,
// the others and msg::encode / msg::decode, which dispatch over them all, in message.cpp.
// Each encode_* writes its whole message, type byte first; each decode_* reads what follows the
// type byte and throws wire_error with a clear message on anything malformed.
namespace ferry::msg {

inline wire::writer& put_type(wire::writer& w, type t) {
    return w.u8(static_cast<std::uint8_t>(t));
}

// RESUME_FROM, RESUME_TREE, TREE_FROM and LISTED: one number after the type byte. `field` names
// it in errors, `what` the message.
template <class Number>
Number decode_number(wire::reader& r, const char* field, const char* what) {
    const auto n = get_be<Number>(r.take(sizeof(Number), field).data());
    r.finish(what);
    return n;
}

// message_offer.cpp. OFFER: kind u8 | size u64 | name (u16 length) | a tree's totals and items.
void encode_offer(wire::writer& w, const offer& o);
offer decode_offer(wire::reader& r);
// ENTRY: type u8 | mode u16 | mtime u64 | size u64 | path (u16 length) | target (u16 length).
void encode_entry(wire::writer& w, const entry& e);
entry decode_entry(wire::reader& r);

// message_resume.cpp. RESUME: offset u64 | prefix SHA-256 (32).
void encode_resume(wire::writer& w, const resume& m);
resume decode_resume(wire::reader& r);
// RESUME_FROM: offset u64.
void encode_resume_from(wire::writer& w, const resume_from& m);
resume_from decode_resume_from(wire::reader& r);
// RESUME_TREE: entries u32.
void encode_resume_tree(wire::writer& w, const resume_tree& m);
resume_tree decode_resume_tree(wire::reader& r);
// TREE_KEPT: values of 32 bytes, to the end.
void encode_tree_kept(wire::writer& w, const tree_kept& m);
tree_kept decode_tree_kept(wire::reader& r);
// TREE_FROM: entries u32.
void encode_tree_from(wire::writer& w, const tree_from& m);
tree_from decode_tree_from(wire::reader& r);

// message_share.cpp. WANT: mode u8 | count u16 | count paths (u16 length).
void encode_want(wire::writer& w, const want& m);
want decode_want(wire::reader& r);
// LISTED: entries u32.
void encode_listed(wire::writer& w, const listed& m);
listed decode_listed(wire::reader& r);
// SHARED: nothing after the type byte.
void encode_shared(wire::writer& w, const shared& m);
shared decode_shared(wire::reader& r);

}  // namespace ferry::msg
