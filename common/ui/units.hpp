#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

// Human units: parsing flags ("10s", "64K") and printing sizes, rates and times.
namespace ferry {

// "250ms", "10s", "5m", "2h"; a bare number is seconds. Throws failure(usage).
std::chrono::milliseconds parse_duration(std::string_view text);
// "65536", "64K", "10M", "1G" (powers of 1024). Throws failure(usage).
std::uint64_t parse_size(std::string_view text);

std::string format_size(std::uint64_t bytes);            // "12.4 MiB", "512 B"
std::string format_rate(double bytes_per_second);        // "512.0 MiB/s"
std::string format_eta(std::chrono::seconds remaining);  // "0:03", "1:02:03"
// "0.25 s", "1.23 s", "5 s", "30 s", "1 min 30 s", "30 min", "2 h 5 min"
std::string format_duration(std::chrono::milliseconds d);

// A count with thousands separators: "1,204". Inline, like plural().
inline std::string grouped(std::uint64_t n) {
    auto digits = std::to_string(n);
    for (auto i = digits.size(); i > 3; i -= 3)
        digits.insert(i - 3, 1, ',');
    return digits;
}

// A count and its noun: plural(1, "word") is "1 word", plural(1204, "file") "1,204 files".
// Inline, so that the wire parsers can use it without the rest of this library.
inline std::string plural(std::uint64_t n, std::string_view noun) {
    return grouped(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}
// The same for a noun whose plural is not noun + "s": plural(2, "entry", "entries").
inline std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
    return grouped(n) + " " + std::string(n == 1 ? one : many);
}

}  // namespace ferry
