#include "common/transfer/message.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/ui/units.hpp"
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
        v > static_cast<std::uint8_t>(reason::protocol)) {
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
        case type::offer: {
            offer o;
            o.kind = c.u8("offer kind");
            const auto kind = static_cast<offer_kind>(o.kind);
            if (kind != offer_kind::file && kind != offer_kind::stream &&
                kind != offer_kind::text) {
                throw wire_error(fmt::format("unsupported offer kind {}", o.kind));
            }
            o.size = c.u64("offer size");
            const auto len = c.u16("offer name length");
            if (len > max_name_bytes) throw wire_error("offered name is too long");
            o.name = std::string(as_chars(c.take(len, "offer name")));
            c.finish("offer");
            if (kind == offer_kind::text && o.size > max_text_offer) {
                throw wire_error(fmt::format("a text offer of {} bytes is over the limit of {}",
                                             o.size, max_text_offer));
            }
            if (kind == offer_kind::text && !o.name.empty()) {
                throw wire_error("a text offer carries a name");
            }
            if (kind == offer_kind::stream && o.size != 0) {
                throw wire_error("a stream offer has no size (it must be 0)");
            }
            return o;
        }
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
            out.resize(out.size() + 8);
            put_u64(out.data() + out.size() - 8, o.size);
            const auto n = std::min(o.name.size(), max_name_bytes);
            out.push_back(static_cast<std::uint8_t>(n >> 8));
            out.push_back(static_cast<std::uint8_t>(n));
            out.insert(out.end(), o.name.begin(), o.name.begin() + static_cast<std::ptrdiff_t>(n));
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
    }
    return "unknown reason";
}

}  // namespace ferry::msg
