#include "relay/proxy_header.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "common/wire/wire_error.hpp"

namespace ferry::proxy {

namespace {

constexpr std::array<std::uint8_t, 12> v2_signature{0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                                    0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
constexpr std::string_view v1_prefix = "PROXY ";

std::uint16_t parse_port(std::string_view text) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value > 65535 ||
        (text.size() > 1 && text.front() == '0')) {
        throw wire_error("PROXY v1 header with a bad port");
    }
    return static_cast<std::uint16_t>(value);
}

std::string checked_address(std::string_view text, int family) {
    std::array<std::uint8_t, 16> raw{};
    const std::string s(text);
    if (s.empty() || s.size() > 45 || inet_pton(family, s.c_str(), raw.data()) != 1) {
        throw wire_error("PROXY v1 header with a bad address");
    }
    return s;
}

std::string address_text(int family, const std::uint8_t* raw) {
    std::array<char, INET6_ADDRSTRLEN> text{};
    inet_ntop(family, raw, text.data(), text.size());
    return text.data();
}

// The source of a v2 body carrying two addresses of `address_size` bytes, then two ports.
source v2_source(int family, std::size_t address_size, const std::uint8_t* body, std::size_t len) {
    if (len < 2 * address_size + 4) {
        throw wire_error(
            fmt::format("PROXY v2 {} addresses truncated", family == AF_INET ? "IPv4" : "IPv6"));
    }
    return {address_text(family, body), get_u16(body + 2 * address_size)};
}

}  // namespace

header_reader::header_reader() = default;

mutable_byte_span header_reader::wanted() {
    if (state_ == state::done) return {};
    return {buffer_.data() + filled_, target_ - filled_};
}

bool header_reader::commit(std::size_t n) {
    if (n > wanted().size()) throw wire_error("PROXY header: commit beyond the wanted region");
    filled_ += n;
    if (filled_ < target_) return false;
    switch (state_) {
        case state::prefix:
            if (std::equal(v1_prefix.begin(), v1_prefix.end(), buffer_.begin())) {
                state_ = state::v1;
                target_ = filled_ + 1;
            } else if (std::equal(v2_signature.begin(), v2_signature.begin() + 6,
                                  buffer_.begin())) {
                state_ = state::v2_fixed;
                target_ = 16;
            } else {
                throw wire_error(
                    "expected a PROXY protocol header (the relay runs with "
                    "--proxy-protocol)");
            }
            return false;
        case state::v1:
            if (filled_ >= 2 && buffer_[filled_ - 2] == '\r' && buffer_[filled_ - 1] == '\n') {
                parse_v1();
                state_ = state::done;
                return true;
            }
            if (buffer_[filled_ - 1] == '\n' || buffer_[filled_ - 1] == 0) {
                throw wire_error("PROXY v1 header with a stray line feed or NUL");
            }
            if (filled_ >= max_v1) throw wire_error("PROXY v1 header longer than 107 bytes");
            target_ = filled_ + 1;
            return false;
        case state::v2_fixed: {
            if (!std::equal(v2_signature.begin(), v2_signature.end(), buffer_.begin())) {
                throw wire_error("bad PROXY v2 signature");
            }
            const std::size_t len = get_u16(buffer_.data() + 14);
            if (len > max_v2_body) throw wire_error("PROXY v2 header too long");
            state_ = state::v2_body;
            target_ = 16 + len;
            if (len > 0) return false;
            [[fallthrough]];
        }
        case state::v2_body:
            parse_v2();
            state_ = state::done;
            return true;
        case state::done:
            break;
    }
    return true;
}

void header_reader::parse_v1() {
    // "PROXY TCP4 src dst sport dport\r\n" | "PROXY TCP6 ..." | "PROXY UNKNOWN[ ...]\r\n"
    const std::string_view line(reinterpret_cast<const char*>(buffer_.data()), filled_ - 2);
    if (line.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
        throw wire_error("PROXY v1 header with control characters");
    }
    std::vector<std::string_view> fields;
    std::size_t pos = 0;
    while (pos <= line.size()) {
        const auto space = line.find(' ', pos);
        const auto end = space == std::string_view::npos ? line.size() : space;
        fields.push_back(line.substr(pos, end - pos));
        pos = end + 1;
    }
    if (fields.size() >= 2 && fields[1] == "UNKNOWN") return;
    if (fields.size() != 6 || (fields[1] != "TCP4" && fields[1] != "TCP6")) {
        throw wire_error("malformed PROXY v1 header");
    }
    const int family = fields[1] == "TCP4" ? AF_INET : AF_INET6;
    result_.address = checked_address(fields[2], family);
    checked_address(fields[3], family);
    result_.port = parse_port(fields[4]);
    parse_port(fields[5]);
}

void header_reader::parse_v2() {
    const auto version_command = buffer_[12];
    if ((version_command & 0xf0) != 0x20) throw wire_error("unsupported PROXY header version");
    const auto command = version_command & 0x0f;
    if (command == 0x0) return;  // LOCAL: a health check from the proxy itself
    if (command != 0x1) throw wire_error("unknown PROXY v2 command");
    const auto family = buffer_[13];
    const std::size_t len = filled_ - 16;
    const auto* body = buffer_.data() + 16;
    // The high nibble is the address family, the low one the transport (1 stream, 2 datagram):
    // the source address is the client's whichever transport the proxy took it from.
    switch (family) {
        case 0x11:  // TCP over IPv4: src 4, dst 4, sport 2, dport 2
        case 0x12:  // UDP over IPv4: the same
            result_ = v2_source(AF_INET, 4, body, len);
            return;
        case 0x21:  // TCP over IPv6: src 16, dst 16, sport 2, dport 2
        case 0x22:  // UDP over IPv6: the same
            result_ = v2_source(AF_INET6, 16, body, len);
            return;
        case 0x00:  // UNSPEC: no address to give
        case 0x31:  // UNIX stream, UNIX datagram: not a network address
        case 0x32:
            return;  // keep the connection's address
        default:
            throw wire_error(fmt::format("unknown PROXY v2 address family 0x{:02x}", family));
    }
}

}  // namespace ferry::proxy
