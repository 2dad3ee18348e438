#include "common/ui/units.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"

namespace ferry {

namespace {

// Splits "123abc" into 123 and "abc"; throws if there is no leading number.
std::pair<std::uint64_t, std::string_view> number_and_suffix(std::string_view text,
                                                             std::string_view what) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end == text.data()) {
        throw failure(exit_code::usage,
                      fmt::format("'{}' is not a valid {}", printable(text), what));
    }
    return {value, text.substr(static_cast<std::size_t>(end - text.data()))};
}

std::uint64_t checked_multiply(std::uint64_t value, std::uint64_t unit, std::string_view text,
                               std::string_view what) {
    if (unit != 0 && value > UINT64_MAX / unit) {
        throw failure(exit_code::usage,
                      fmt::format("'{}' is too large a {}", printable(text), what));
    }
    return value * unit;
}

}  // namespace

std::chrono::milliseconds parse_duration(std::string_view text) {
    const auto [value, suffix] = number_and_suffix(text, "duration (like 500ms, 10s, 5m)");
    std::uint64_t unit = 0;
    if (suffix.empty() || suffix == "s") {
        unit = 1000;
    } else if (suffix == "ms") {
        unit = 1;
    } else if (suffix == "m" || suffix == "min") {
        unit = 60'000;
    } else if (suffix == "h") {
        unit = 3'600'000;
    } else {
        throw failure(
            exit_code::usage,
            fmt::format("'{}' is not a valid duration (like 500ms, 10s, 5m)", printable(text)));
    }
    const auto ms = checked_multiply(value, unit, text, "duration");
    if (ms > static_cast<std::uint64_t>(INT64_MAX / 1'000'000)) {
        throw failure(exit_code::usage,
                      fmt::format("'{}' is too long a duration", printable(text)));
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

std::uint64_t parse_size(std::string_view text) {
    const auto [value, suffix] = number_and_suffix(text, "size (like 65536, 64K, 10M)");
    std::uint64_t unit = 0;
    if (suffix.empty() || suffix == "B") {
        unit = 1;
    } else if (suffix == "K" || suffix == "k" || suffix == "KiB") {
        unit = 1024;
    } else if (suffix == "M" || suffix == "MiB") {
        unit = 1024 * 1024;
    } else if (suffix == "G" || suffix == "GiB") {
        unit = 1024 * 1024 * 1024;
    } else {
        throw failure(
            exit_code::usage,
            fmt::format("'{}' is not a valid size (like 65536, 64K, 10M)", printable(text)));
    }
    return checked_multiply(value, unit, text, "size");
}

std::string format_size(std::uint64_t bytes) {
    static constexpr std::array<const char*, 6> units{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) return fmt::format("{} B", bytes);
    auto value = static_cast<double>(bytes) / 1024.0;
    std::size_t i = 0;
    while (value >= 1024.0 && i + 1 < units.size()) {
        value /= 1024.0;
        ++i;
    }
    // Keep three significant digits: 1.23 MiB, 12.3 MiB, 123 MiB.
    if (value < 9.995) return fmt::format("{:.2f} {}", value, units[i]);
    if (value < 99.95) return fmt::format("{:.1f} {}", value, units[i]);
    return fmt::format("{:.0f} {}", value, units[i]);
}

std::string format_rate(double bytes_per_second) {
    if (!(bytes_per_second > 0)) return "0 B/s";
    return format_size(static_cast<std::uint64_t>(bytes_per_second)) + "/s";
}

std::string format_eta(std::chrono::seconds remaining) {
    auto s = remaining.count();
    if (s < 0) s = 0;
    const auto h = s / 3600;
    const auto m = (s % 3600) / 60;
    const auto sec = s % 60;
    if (h > 0) return fmt::format("{}:{:02}:{:02}", h, m, sec);
    return fmt::format("{}:{:02}", m, sec);
}

namespace {

// "1.50" → "1.5", "5.00" → "5".
std::string without_trailing_zeros(std::string number) {
    if (number.find('.') == std::string::npos) return number;
    while (number.back() == '0')
        number.pop_back();
    if (number.back() == '.') number.pop_back();
    return number;
}

}  // namespace

std::string format_duration(std::chrono::milliseconds d) {
    const auto ms = std::max<std::int64_t>(d.count(), 0);
    // Below 10 s a fraction tells something (a 0.25 s backoff, a 3.19 s transfer); above, not.
    if (ms < 1'000)
        return without_trailing_zeros(fmt::format("{:.3f}", static_cast<double>(ms) / 1000.0)) +
               " s";
    if (ms < 10'000)
        return without_trailing_zeros(fmt::format("{:.2f}", static_cast<double>(ms) / 1000.0)) +
               " s";
    const auto total = (ms + 500) / 1000;  // whole seconds, rounded
    const auto h = total / 3600;
    const auto min = (total % 3600) / 60;
    const auto s = total % 60;
    std::string out;
    const auto add = [&out](std::int64_t value, std::string_view unit) {
        if (value == 0) return;
        out += fmt::format("{}{} {}", out.empty() ? "" : " ", value, unit);
    };
    add(h, "h");
    add(min, "min");
    add(s, "s");
    return out;
}

}  // namespace ferry
