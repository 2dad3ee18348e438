#include "common/transfer/message.hpp"

#include <iterator>

#include <fmt/format.h>

#include "common/transfer/message_codec.hpp"
#include "common/ui/units.hpp"
#include "common/wire/record_format.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry::msg {

namespace {

reason to_reason(std::uint8_t v) {
    if (v < static_cast<std::uint8_t>(reason::declined) ||
        v > static_cast<std::uint8_t>(reason::not_shared)) {
        throw wire_error(fmt::format("unknown reason code {}", v));
    }
    return static_cast<reason>(v);
}

// REFUSE and ABORT: reason u8 | text length u16 | text (at most max_text_bytes).
template <class T>
void encode_reason(wire::writer& w, type t, const T& m) {
    put_type(w, t).u8(static_cast<std::uint8_t>(m.why)).string16(m.text, max_text_bytes);
}

template <class T>
T decode_reason(wire::reader& r, const char* what) {
    T m;
    m.why = to_reason(r.u8(what));
    const auto len = r.u16(what);
    if (len > max_text_bytes) throw wire_error(fmt::format("{} text is too long", what));
    m.text = r.chars(len, what);
    r.finish(what);
    return m;
}

// DONE, VERIFIED and FILE_END: a 32-byte SHA-256.
template <class T>
void encode_digest(wire::writer& w, type t, const T& m) {
    put_type(w, t).bytes(m.sha256);
}

template <class T>
T decode_digest(wire::reader& r, const char* what) {
    T m;
    r.fill(m.sha256, what);
    r.finish(what);
    return m;
}

// DATA: the bytes, a view into the record buffer both ways.
void encode_data(wire::writer& w, const data& m) {
    put_type(w, type::data).bytes(m.bytes);
}

data decode_data(wire::reader& r) {
    const auto bytes = r.rest();
    if (bytes.empty()) throw wire_error("empty data message");
    return data{bytes};
}

// ZDATA: raw size u32 | one zstd frame (a view into the record buffer).
void encode_zdata(wire::writer& w, const zdata& m) {
    put_type(w, type::zdata).u32(m.raw_size).bytes(m.frame);
}

zdata decode_zdata(wire::reader& r) {
    zdata z;
    z.raw_size = r.u32("compressed data size");
    if (z.raw_size == 0 || z.raw_size > data_chunk_size) {
        throw wire_error(fmt::format("compressed data of {} is out of range (1 to {})",
                                     plural(z.raw_size, "byte"), plural(data_chunk_size, "byte")));
    }
    z.frame = r.rest();
    if (z.frame.empty()) throw wire_error("compressed data without a frame");
    return z;
}

// HELLO: version u8 | features u64 | software length u8 | software.
void encode_hello(wire::writer& w, const hello& h) {
    put_type(w, type::hello).u8(h.version).u64(h.features).string8(h.software, max_software_bytes);
}

hello decode_hello(wire::reader& r) {
    hello h;
    h.version = r.u8("hello version");
    h.features = r.u64("hello features");
    const auto len = r.u8("hello software length");
    if (len > max_software_bytes) throw wire_error("hello software text is too long");
    h.software = r.chars(len, "hello software");
    r.finish("hello");
    return h;
}

// ACCEPT and KEEPALIVE: the type byte alone.
template <class T>
T decode_empty(wire::reader& r, const char* what) {
    r.finish(what);
    return T{};
}

// One encode_* per alternative of `message`.
struct encoder {
    wire::writer& w;
    void operator()(const offer& m) const { encode_offer(w, m); }
    void operator()(const accept&) const { put_type(w, type::accept); }
    void operator()(const refuse& m) const { encode_reason(w, type::refuse, m); }
    void operator()(const data& m) const { encode_data(w, m); }
    void operator()(const done& m) const { encode_digest(w, type::done, m); }
    void operator()(const verified& m) const { encode_digest(w, type::verified, m); }
    void operator()(const abort& m) const { encode_reason(w, type::abort, m); }
    void operator()(const keepalive&) const { put_type(w, type::keepalive); }
    void operator()(const hello& m) const { encode_hello(w, m); }
    void operator()(const entry& m) const { encode_entry(w, m); }
    void operator()(const file_end& m) const { encode_digest(w, type::file_end, m); }
    void operator()(const zdata& m) const { encode_zdata(w, m); }
    void operator()(const resume& m) const { encode_resume(w, m); }
    void operator()(const resume_from& m) const { encode_resume_from(w, m); }
    void operator()(const resume_tree& m) const { encode_resume_tree(w, m); }
    void operator()(const tree_kept& m) const { encode_tree_kept(w, m); }
    void operator()(const tree_from& m) const { encode_tree_from(w, m); }
    void operator()(const want& m) const { encode_want(w, m); }
    void operator()(const listed& m) const { encode_listed(w, m); }
    void operator()(const shared& m) const { encode_shared(w, m); }
};

}  // namespace

message decode(byte_span payload) {
    wire::reader r(payload);
    const auto t = r.u8("message type");
    switch (static_cast<type>(t)) {
        case type::offer:
            return decode_offer(r);
        case type::accept:
            return decode_empty<accept>(r, "accept");
        case type::refuse:
            return decode_reason<refuse>(r, "refuse");
        case type::data:
            return decode_data(r);
        case type::done:
            return decode_digest<done>(r, "done");
        case type::verified:
            return decode_digest<verified>(r, "verified");
        case type::abort:
            return decode_reason<abort>(r, "abort");
        case type::keepalive:
            return decode_empty<keepalive>(r, "keepalive");
        case type::hello:
            return decode_hello(r);
        case type::entry:
            return decode_entry(r);
        case type::file_end:
            return decode_digest<file_end>(r, "file end");
        case type::zdata:
            return decode_zdata(r);
        case type::resume:
            return decode_resume(r);
        case type::resume_from:
            return decode_resume_from(r);
        case type::resume_tree:
            return decode_resume_tree(r);
        case type::tree_kept:
            return decode_tree_kept(r);
        case type::tree_from:
            return decode_tree_from(r);
        case type::want:
            return decode_want(r);
        case type::listed:
            return decode_listed(r);
        case type::shared:
            return decode_shared(r);
    }
    throw wire_error(fmt::format("unknown message type 0x{:02x}", t));
}

std::vector<std::uint8_t> encode(const message& m) {
    wire::writer w;
    std::visit(encoder{w}, m);
    return w.take();
}

const char* describe(reason r) {
    static constexpr const char* texts[] = {
        "the receiver declined",
        "the receiver could not be asked (no terminal and no --yes)",
        "not enough free space on the receiver",
        "the file name is not acceptable",
        "the file is too large",
        "a local I/O error",
        "cancelled",
        "a protocol error",
        "the receiver cannot take this here",
        "not in the share",
    };
    static_assert(std::size(texts) == static_cast<std::size_t>(reason::not_shared),
                  "a text for each reason, 1 to the last");
    const auto i = static_cast<std::size_t>(r) - 1;
    if (i >= std::size(texts)) return "unknown reason";
    return texts[i];
}

}  // namespace ferry::msg
