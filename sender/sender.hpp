#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/net/address.hpp"

namespace ferry::sender {

// --compress: off, auto (zstd level 3 for the files whose sample shrinks by 10 % or more), or a
// zstd level (1..19) for every file. Used only with a receiver that announces the feature.
inline constexpr int compress_off = 0;
inline constexpr int compress_auto = -1;

struct options {
    // What to send: one file, '-' (standard input), or any mix of files and folders.
    std::vector<std::filesystem::path> paths;
    std::optional<std::string> text;  // --text: send this text instead of a file
    host_port relay;
    int code_words = 2;
    bool quiet = false;            // print the code alone, then errors only
    bool verbose = false;          // the whole SHA-256 in the last line
    std::uint64_t limit_rate = 0;  // bytes per second on the wire, 0 = unlimited
    int compress = compress_auto;  // compress_off, compress_auto or a zstd level
    // LAN mode: `relay` is the sender's own relay; announce its port on the local network and
    // print these addresses for a receiver whose network blocks multicast.
    bool lan = false;
    std::uint16_t lan_port = 0;
    // A broken connection is reconnected for this long (0: never), if the receiver can.
    std::chrono::milliseconds reconnect_for{std::chrono::minutes(2)};
    // A connection on which nothing arrives for this long is taken for broken (--stall-timeout).
    std::chrono::milliseconds stall_timeout{std::chrono::seconds(30)};
};

// Sends the file, files and folders, standard input or the text. Throws failure on every error;
// returns once the receiver has verified it.
void send(const options& opts);

}  // namespace ferry::sender
