#include "common/net/address.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"

namespace ferry {

namespace {

std::uint16_t parse_port(std::string_view text, std::string_view whole, bool allow_zero) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() ||
        (value == 0 && !allow_zero) || value > 65535) {
        throw failure(exit_code::usage,
                      fmt::format("'{}' has no valid port (1-65535) in it", printable(whole)));
    }
    return static_cast<std::uint16_t>(value);
}

}  // namespace

std::string host_port::text() const {
    if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
    return fmt::format("{}:{}", host, port);
}

host_port parse_host_port(std::string_view text, std::uint16_t default_port, bool allow_port_zero) {
    const auto whole = text;
    if (text.starts_with("tcp://")) text.remove_prefix(6);
    while (!text.empty() && text.back() == '/')
        text.remove_suffix(1);
    if (text.empty()) throw failure(exit_code::usage, "the address is empty");
    if (std::any_of(text.begin(), text.end(),
                    [](char c) { return static_cast<unsigned char>(c) <= ' '; })) {
        throw failure(exit_code::usage,
                      fmt::format("'{}' is not an address (it has spaces or control characters)",
                                  printable(whole)));
    }
    if (text.find("://") != std::string_view::npos) {
        throw failure(exit_code::usage,
                      fmt::format("'{}': only tcp:// addresses are supported", printable(whole)));
    }
    host_port out;
    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close == 1) {
            throw failure(exit_code::usage,
                          fmt::format("'{}' is not a valid [IPv6]:port address", printable(whole)));
        }
        out.host = std::string(text.substr(1, close - 1));
        const auto rest = text.substr(close + 1);
        if (rest.empty()) {
            out.port = default_port;
        } else if (rest.front() == ':') {
            out.port = parse_port(rest.substr(1), whole, allow_port_zero);
        } else {
            throw failure(exit_code::usage,
                          fmt::format("'{}' is not a valid [IPv6]:port address", printable(whole)));
        }
        return out;
    }
    const auto colons = std::count(text.begin(), text.end(), ':');
    if (colons > 1) {  // a bare IPv6 address
        out.host = std::string(text);
        out.port = default_port;
        return out;
    }
    if (colons == 1) {
        const auto colon = text.find(':');
        if (colon == 0)
            throw failure(exit_code::usage, fmt::format("'{}' has no host", printable(whole)));
        out.host = std::string(text.substr(0, colon));
        out.port = parse_port(text.substr(colon + 1), whole, allow_port_zero);
        return out;
    }
    out.host = std::string(text);
    out.port = default_port;
    return out;
}

tcp::endpoint listen_endpoint(std::string_view text, std::string_view flag,
                              const asio::ip::address& bare_port_host) {
    // ":9009" or "9009": the port alone, on bare_port_host.
    std::string_view rest = text;
    if (rest.starts_with(':')) rest.remove_prefix(1);
    if (!rest.empty() && rest.find_first_not_of("0123456789") == std::string_view::npos) {
        const auto hp = parse_host_port(fmt::format("[::]:{}", rest), default_relay_port, true);
        return {bare_port_host, hp.port};
    }
    const auto hp = parse_host_port(text, default_relay_port, true);
    // RFC 6761: localhost is the loopback address, whatever a resolver would say.
    if (hp.host == "localhost") return {asio::ip::address_v4::loopback(), hp.port};
    std::error_code ec;
    const auto addr = asio::ip::make_address(hp.host, ec);
    if (ec) {
        throw failure(exit_code::usage, fmt::format("{} needs an IP address or localhost, not '{}'",
                                                    flag, printable(hp.host)));
    }
    return {addr, hp.port};
}

}  // namespace ferry
