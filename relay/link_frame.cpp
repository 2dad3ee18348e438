#include "relay/link_frame.hpp"

#include <algorithm>
#include <stdexcept>

#include "common/wire/cursor.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry::relay {

namespace {

constexpr std::array<std::uint8_t, 4> magic{'F', 'L', 'N', 'K'};

bool printable(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char ch) { return ch > 0x20 && ch < 0x7f; });
}

}  // namespace

std::vector<std::uint8_t> encode_link(const link_hello& l, byte_span secret) {
    if (l.client_address.empty() || l.client_address.size() > max_link_address ||
        !printable(l.client_address)) {
        throw std::invalid_argument("a LINK's client address must be 1-64 printable bytes");
    }
    if (l.hello.size() < min_link_hello || l.hello.size() > max_link_hello) {
        throw std::invalid_argument("a LINK's hello must be 8-520 bytes");
    }
    wire::writer w(link_fixed_size + l.client_address.size() + 2 + l.hello.size() +
                   hmac_sha256_size);
    w.bytes(magic).u8(link_version).u64(l.unix_ms).bytes(l.nonce);
    w.string8(l.client_address, max_link_address).bytes16(l.hello, max_link_hello);
    const auto tag = hmac_sha256(secret, w.written());
    w.bytes(tag);
    return w.take();
}

link_reader::link_reader(byte_span secret)
    : secret_(secret.begin(), secret.end()), buffer_(link_fixed_size) {}

mutable_byte_span link_reader::wanted() {
    return {buffer_.data() + filled_, buffer_.size() - filled_};
}

bool link_reader::commit(std::size_t n) {
    filled_ += n;
    if (filled_ < buffer_.size()) return false;
    switch (state_) {
        case state::fixed:
            parse_fixed();
            return false;
        case state::address:
            parse_address();
            return false;
        case state::hello:
            check_tag();
            return true;
        case state::done:
            break;
    }
    return true;
}

void link_reader::parse_fixed() {
    wire::reader r(buffer_, "relay link");
    if (!std::ranges::equal(r.take(magic.size(), "magic"), magic)) {
        throw wire_error("not a relay link (bad magic)");
    }
    if (r.u8("version") != link_version) throw wire_error("unknown relay link version");
    result_.unix_ms = r.u64("time");
    r.fill(result_.nonce, "nonce");
    address_size_ = r.u8("address length");
    if (address_size_ == 0 || address_size_ > max_link_address) {
        throw wire_error("bad client address length in a relay link");
    }
    buffer_.resize(link_fixed_size + address_size_ + 2);
    state_ = state::address;
}

void link_reader::parse_address() {
    wire::reader r(byte_span(buffer_).subspan(link_fixed_size), "relay link");
    result_.client_address = r.chars(address_size_, "address");
    if (!printable(result_.client_address)) {
        throw wire_error("unprintable client address in a relay link");
    }
    const auto hello_size = r.u16("hello length");
    if (hello_size < min_link_hello || hello_size > max_link_hello) {
        throw wire_error("bad hello length in a relay link");
    }
    buffer_.resize(buffer_.size() + hello_size + hmac_sha256_size);
    state_ = state::hello;
}

void link_reader::check_tag() {
    const auto signed_size = buffer_.size() - hmac_sha256_size;
    const auto tag = hmac_sha256(secret_, byte_span(buffer_.data(), signed_size));
    if (!same_tag(tag, byte_span(buffer_.data() + signed_size, hmac_sha256_size))) {
        throw wire_error("relay link not authenticated (wrong cluster secret?)");
    }
    const auto hello_at = link_fixed_size + address_size_ + 2;
    result_.hello.assign(buffer_.begin() + static_cast<std::ptrdiff_t>(hello_at),
                         buffer_.begin() + static_cast<std::ptrdiff_t>(signed_size));
    state_ = state::done;
}

bool link_guard::accept(const link_hello& l, std::uint64_t now_unix_ms) {
    while (!expiries_.empty() && expiries_.begin()->first <= now_unix_ms) {
        seen_.erase(expiries_.begin()->second);
        expiries_.erase(expiries_.begin());
    }
    const auto skew = static_cast<std::uint64_t>(skew_.count());
    const auto gap = l.unix_ms > now_unix_ms ? l.unix_ms - now_unix_ms : now_unix_ms - l.unix_ms;
    if (gap > skew || !seen_.insert(l.nonce).second) return false;
    // Kept until the LINK's own time has left the window: a replay is refused either way.
    expiries_.emplace(l.unix_ms + skew + 1, l.nonce);
    return true;
}

}  // namespace ferry::relay
