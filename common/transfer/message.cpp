#include "common/transfer/message.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/ui/units.hpp"
#include "common/wire/record_format.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry::msg {

namespace {

// Bounds-checked cursor over a payload; every read names what was expected.
class cursor {
  public:
    explicit cursor(byte_span bytes) : bytes_(bytes) {}
    byte_span take(std::size_t n, const char* what) {
        if (bytes_.size() - pos_ < n)
            throw wire_error(fmt::format("message truncated in {}", what));
        auto out = bytes_.subspan(pos_, n);
        pos_ += n;
        return out;
    }
    std::uint8_t u8(const char* what) { return take(1, what)[0]; }
    std::uint16_t u16(const char* what) { return get_u16(take(2, what).data()); }
    std::uint32_t u32(const char* what) { return get_u32(take(4, what).data()); }
    std::uint64_t u64(const char* what) { return get_u64(take(8, what).data()); }
    void finish(const char* what) const {
        if (pos_ != bytes_.size()) {
            throw wire_error(fmt::format("{} of trailing garbage after {}",
                                         plural(bytes_.size() - pos_, "byte"), what));
        }
    }

  private:
    byte_span bytes_;
    std::size_t pos_ = 0;
};

reason to_reason(std::uint8_t v) {
    if (v < static_cast<std::uint8_t>(reason::declined) ||
        v > static_cast<std::uint8_t>(reason::not_shared)) {
        throw wire_error(fmt::format("unknown reason code {}", v));
    }
    return static_cast<reason>(v);
}

std::string text_field(cursor& c, const char* what) {
    const auto len = c.u16(what);
    if (len > max_text_bytes) throw wire_error(fmt::format("{} text is too long", what));
    return std::string(as_chars(c.take(len, what)));
}

void put_text(std::vector<std::uint8_t>& out, const std::string& text) {
    const auto n = std::min(text.size(), max_text_bytes);
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
    out.insert(out.end(), text.begin(), text.begin() + static_cast<std::ptrdiff_t>(n));
}

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
    out.resize(out.size() + 2);
    put_u16(out.data() + out.size() - 2, v);
}
void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    out.resize(out.size() + 4);
    put_u32(out.data() + out.size() - 4, v);
}
void put64(std::vector<std::uint8_t>& out, std::uint64_t v) {
    out.resize(out.size() + 8);
    put_u64(out.data() + out.size() - 8, v);
}

// length u16 | bytes, at most `max` bytes (the encoder's callers stay within it).
void put_string(std::vector<std::uint8_t>& out, const std::string& s, std::size_t max) {
    const auto n = std::min(s.size(), max);
    put16(out, static_cast<std::uint16_t>(n));
    out.insert(out.end(), s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n));
}

std::string string_field(cursor& c, std::size_t max, const char* what) {
    const auto len = c.u16(what);
    if (len > max) throw wire_error(fmt::format("{} is too long ({} bytes)", what, len));
    return std::string(as_chars(c.take(len, what)));
}

entry_type to_entry_type(std::uint8_t v, const char* what) {
    if (v > static_cast<std::uint8_t>(entry_type::symlink)) {
        throw wire_error(fmt::format("unknown {} type {}", what, v));
    }
    return static_cast<entry_type>(v);
}

// A tree offer's totals and items, after the common fields; the sums must add up.
void decode_tree(cursor& c, offer& o) {
    o.files = c.u32("offer file count");
    o.folders = c.u32("offer folder count");
    o.symlinks = c.u32("offer symlink count");
    const auto count = c.u16("offer item count");
    if (count == 0 || count > max_offer_items) {
        throw wire_error(fmt::format("a tree offer of {} items (1 to {})", count, max_offer_items));
    }
    if (std::uint64_t{o.files} + o.folders + o.symlinks > max_tree_entries) {
        throw wire_error(fmt::format("a tree offer of over {} entries", max_tree_entries));
    }
    std::uint64_t files = 0;
    std::uint64_t size = 0;
    for (std::size_t i = 0; i < count; ++i) {
        offer_item item;
        item.type = to_entry_type(c.u8("offer item type"), "offer item");
        item.files = c.u32("offer item file count");
        item.size = c.u64("offer item size");
        item.name = string_field(c, max_name_bytes, "offer item name");
        if (item.type == entry_type::symlink) throw wire_error("a top-level item is a symlink");
        if (item.type == entry_type::file && item.files != 1) {
            throw wire_error("a top-level file counts other than 1 file");
        }
        files += item.files;
        size += item.size;
        if (size < item.size) throw wire_error("the offered sizes overflow");
        o.items.push_back(std::move(item));
    }
    if (files != o.files || size != o.size) {
        throw wire_error("a tree offer's items do not add up to its totals");
    }
}

offer decode_offer(cursor& c) {
    offer o;
    o.kind = c.u8("offer kind");
    const auto kind = static_cast<offer_kind>(o.kind);
    if (o.kind > static_cast<std::uint8_t>(offer_kind::tree)) {
        throw wire_error(fmt::format("unsupported offer kind {}", o.kind));
    }
    o.size = c.u64("offer size");
    o.name = string_field(c, max_name_bytes, "offered name");
    if (kind == offer_kind::tree) decode_tree(c, o);
    c.finish("offer");
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

entry decode_entry(cursor& c) {
    entry e;
    e.type = to_entry_type(c.u8("entry type"), "entry");
    e.mode = c.u16("entry mode");
    e.mtime_ns = static_cast<std::int64_t>(c.u64("entry mtime"));
    e.size = c.u64("entry size");
    e.path = string_field(c, max_path_bytes, "entry path");
    e.target = string_field(c, max_path_bytes, "entry link target");
    c.finish("entry");
    if (e.mode > 07777) throw wire_error(fmt::format("entry mode {:o} is not a mode", e.mode));
    if (e.path.empty()) throw wire_error("an entry has an empty path");
    if (e.type != entry_type::file && e.size != 0) throw wire_error("a folder or link has a size");
    if ((e.type == entry_type::symlink) == e.target.empty()) {
        throw wire_error("a link target comes with symlinks only, and every symlink has one");
    }
    return e;
}

zdata decode_zdata(cursor& c, byte_span payload) {
    zdata z;
    z.raw_size = c.u32("compressed data size");
    if (z.raw_size == 0 || z.raw_size > data_chunk_size) {
        throw wire_error(fmt::format("compressed data of {} is out of range (1 to {})",
                                     plural(z.raw_size, "byte"), plural(data_chunk_size, "byte")));
    }
    z.frame = payload.subspan(zdata_header_size);
    if (z.frame.empty()) throw wire_error("compressed data without a frame");
    return z;
}

resume decode_resume(cursor& c) {
    resume r;
    r.offset = c.u64("resume offset");
    const auto h = c.take(r.prefix.size(), "resume prefix digest");
    std::copy(h.begin(), h.end(), r.prefix.begin());
    c.finish("resume");
    if (r.offset == 0) throw wire_error("a resume from offset 0");
    return r;
}

resume_tree decode_resume_tree(cursor& c) {
    resume_tree r;
    r.entries = c.u32("resume tree entries");
    c.finish("resume tree");
    if (r.entries == 0 || r.entries > max_tree_entries) {
        throw wire_error(fmt::format("a tree resume of {} entries", r.entries));
    }
    return r;
}

tree_kept decode_tree_kept(cursor& c, byte_span payload) {
    const auto rest = payload.size() - 1;
    if (rest == 0 || rest % 32 != 0 || rest / 32 > max_kept_per_record) {
        throw wire_error(fmt::format("kept entries of {} (not 1 to {} values of 32)",
                                     plural(rest, "byte"), max_kept_per_record));
    }
    tree_kept k;
    k.values.resize(rest / 32);
    for (auto& v : k.values) {
        const auto h = c.take(v.size(), "kept entry value");
        std::copy(h.begin(), h.end(), v.begin());
    }
    return k;
}

want decode_want(cursor& c) {
    want w;
    const auto mode = c.u8("want mode");
    if (mode > static_cast<std::uint8_t>(want_mode::list)) {
        throw wire_error(fmt::format("unknown want mode {}", mode));
    }
    w.mode = static_cast<want_mode>(mode);
    const auto count = c.u16("want path count");
    if (count > max_offer_items) {
        throw wire_error(fmt::format("a want of {} paths (at most {})", count, max_offer_items));
    }
    if (w.mode == want_mode::list && count != 0) throw wire_error("a want to list names paths");
    w.paths.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        auto path = string_field(c, max_path_bytes, "want path");
        if (path.empty()) throw wire_error("a want names an empty path");
        w.paths.push_back(std::move(path));
    }
    c.finish("want");
    return w;
}

listed decode_listed(cursor& c) {
    listed l;
    l.entries = c.u32("listed entries");
    c.finish("listed");
    if (l.entries > max_tree_entries) {
        throw wire_error(
            fmt::format("a listing of {} entries (at most {})", l.entries, max_tree_entries));
    }
    return l;
}

// refuse and abort: reason u8 | text length u16 | text.
template <class T>
T with_reason(cursor& c, const char* what) {
    T m;
    m.why = to_reason(c.u8(what));
    m.text = text_field(c, what);
    c.finish(what);
    return m;
}

// done and verified: a 32-byte SHA-256.
template <class T>
T with_digest(cursor& c, const char* what) {
    T m;
    const auto h = c.take(m.sha256.size(), what);
    std::copy(h.begin(), h.end(), m.sha256.begin());
    c.finish(what);
    return m;
}

}  // namespace

message decode(byte_span payload) {
    cursor c(payload);
    const auto t = c.u8("message type");
    switch (static_cast<type>(t)) {
        case type::offer:
            return decode_offer(c);
        case type::accept:
            c.finish("accept");
            return accept{};
        case type::refuse:
            return with_reason<refuse>(c, "refuse");
        case type::data: {
            auto rest = payload.subspan(1);
            if (rest.empty()) throw wire_error("empty data message");
            return data{rest};
        }
        case type::done:
            return with_digest<done>(c, "done");
        case type::verified:
            return with_digest<verified>(c, "verified");
        case type::abort:
            return with_reason<abort>(c, "abort");
        case type::keepalive:
            c.finish("keepalive");
            return keepalive{};
        case type::hello: {
            hello h;
            h.version = c.u8("hello version");
            h.features = c.u64("hello features");
            const auto len = c.u8("hello software length");
            if (len > max_software_bytes) throw wire_error("hello software text is too long");
            h.software = std::string(as_chars(c.take(len, "hello software")));
            c.finish("hello");
            return h;
        }
        case type::entry:
            return decode_entry(c);
        case type::file_end:
            return with_digest<file_end>(c, "file end");
        case type::zdata:
            return decode_zdata(c, payload);
        case type::resume:
            return decode_resume(c);
        case type::resume_from: {
            resume_from r;
            r.offset = c.u64("resume offset");
            c.finish("resume answer");
            return r;
        }
        case type::resume_tree:
            return decode_resume_tree(c);
        case type::tree_kept:
            return decode_tree_kept(c, payload);
        case type::tree_from: {
            tree_from f;
            f.entries = c.u32("tree resume entry");
            c.finish("tree resume answer");
            return f;
        }
        case type::want:
            return decode_want(c);
        case type::listed:
            return decode_listed(c);
        case type::shared:
            c.finish("shared");
            return shared{};
    }
    throw wire_error(fmt::format("unknown message type 0x{:02x}", t));
}

std::vector<std::uint8_t> encode(const message& m) {
    std::vector<std::uint8_t> out;
    struct visitor {
        std::vector<std::uint8_t>& out;
        void operator()(const offer& o) const {
            out.push_back(static_cast<std::uint8_t>(type::offer));
            out.push_back(o.kind);
            put64(out, o.size);
            put_string(out, o.name, max_name_bytes);
            if (o.kind != static_cast<std::uint8_t>(offer_kind::tree)) return;
            put32(out, o.files);
            put32(out, o.folders);
            put32(out, o.symlinks);
            const auto count = std::min(o.items.size(), max_offer_items);
            put16(out, static_cast<std::uint16_t>(count));
            for (std::size_t i = 0; i < count; ++i) {
                const auto& item = o.items[i];
                out.push_back(static_cast<std::uint8_t>(item.type));
                put32(out, item.files);
                put64(out, item.size);
                put_string(out, item.name, max_name_bytes);
            }
        }
        void operator()(const entry& e) const {
            out.push_back(static_cast<std::uint8_t>(type::entry));
            out.push_back(static_cast<std::uint8_t>(e.type));
            put16(out, e.mode);
            put64(out, static_cast<std::uint64_t>(e.mtime_ns));
            put64(out, e.size);
            put_string(out, e.path, max_path_bytes);
            put_string(out, e.target, max_path_bytes);
        }
        void operator()(const file_end& f) const {
            out.push_back(static_cast<std::uint8_t>(type::file_end));
            out.insert(out.end(), f.sha256.begin(), f.sha256.end());
        }
        void operator()(const resume& r) const {
            out.push_back(static_cast<std::uint8_t>(type::resume));
            put64(out, r.offset);
            out.insert(out.end(), r.prefix.begin(), r.prefix.end());
        }
        void operator()(const resume_from& r) const {
            out.push_back(static_cast<std::uint8_t>(type::resume_from));
            put64(out, r.offset);
        }
        void operator()(const resume_tree& r) const {
            out.push_back(static_cast<std::uint8_t>(type::resume_tree));
            put32(out, r.entries);
        }
        void operator()(const tree_kept& k) const {
            out.push_back(static_cast<std::uint8_t>(type::tree_kept));
            for (const auto& v : k.values)
                out.insert(out.end(), v.begin(), v.end());
        }
        void operator()(const tree_from& f) const {
            out.push_back(static_cast<std::uint8_t>(type::tree_from));
            put32(out, f.entries);
        }
        void operator()(const want& w) const {
            out.push_back(static_cast<std::uint8_t>(type::want));
            out.push_back(static_cast<std::uint8_t>(w.mode));
            const auto count = std::min(w.paths.size(), max_offer_items);
            put16(out, static_cast<std::uint16_t>(count));
            for (std::size_t i = 0; i < count; ++i)
                put_string(out, w.paths[i], max_path_bytes);
        }
        void operator()(const listed& l) const {
            out.push_back(static_cast<std::uint8_t>(type::listed));
            put32(out, l.entries);
        }
        void operator()(const shared&) const {
            out.push_back(static_cast<std::uint8_t>(type::shared));
        }
        void operator()(const accept&) const {
            out.push_back(static_cast<std::uint8_t>(type::accept));
        }
        void operator()(const refuse& r) const {
            out.push_back(static_cast<std::uint8_t>(type::refuse));
            out.push_back(static_cast<std::uint8_t>(r.why));
            put_text(out, r.text);
        }
        void operator()(const data& d) const {
            out.resize(1 + d.bytes.size());
            out[0] = static_cast<std::uint8_t>(type::data);
            std::copy(d.bytes.begin(), d.bytes.end(), out.begin() + 1);
        }
        void operator()(const zdata& z) const {
            out.push_back(static_cast<std::uint8_t>(type::zdata));
            put32(out, z.raw_size);
            out.insert(out.end(), z.frame.begin(), z.frame.end());
        }
        void operator()(const done& d) const {
            out.push_back(static_cast<std::uint8_t>(type::done));
            out.insert(out.end(), d.sha256.begin(), d.sha256.end());
        }
        void operator()(const verified& v) const {
            out.push_back(static_cast<std::uint8_t>(type::verified));
            out.insert(out.end(), v.sha256.begin(), v.sha256.end());
        }
        void operator()(const abort& a) const {
            out.push_back(static_cast<std::uint8_t>(type::abort));
            out.push_back(static_cast<std::uint8_t>(a.why));
            put_text(out, a.text);
        }
        void operator()(const keepalive&) const {
            out.push_back(static_cast<std::uint8_t>(type::keepalive));
        }
        void operator()(const hello& h) const {
            out.push_back(static_cast<std::uint8_t>(type::hello));
            out.push_back(h.version);
            out.resize(out.size() + 8);
            put_u64(out.data() + out.size() - 8, h.features);
            const auto n = std::min(h.software.size(), max_software_bytes);
            out.push_back(static_cast<std::uint8_t>(n));
            out.insert(out.end(), h.software.begin(),
                       h.software.begin() + static_cast<std::ptrdiff_t>(n));
        }
    };
    std::visit(visitor{out}, m);
    return out;
}

const char* describe(reason r) {
    switch (r) {
        case reason::declined:
            return "the receiver declined";
        case reason::not_interactive:
            return "the receiver could not be asked (no terminal and no --yes)";
        case reason::no_space:
            return "not enough free space on the receiver";
        case reason::bad_name:
            return "the file name is not acceptable";
        case reason::too_large:
            return "the file is too large";
        case reason::local_io:
            return "a local I/O error";
        case reason::cancelled:
            return "cancelled";
        case reason::protocol:
            return "a protocol error";
        case reason::unsupported:
            return "the receiver cannot take this here";
        case reason::not_shared:
            return "not in the share";
    }
    return "unknown reason";
}

}  // namespace ferry::msg
