#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tests/support/files.hpp"
#include "tests/support/relay_fixture.hpp"

// Two tries of one transfer, for the resume tests: the first stopped one way or another once
// the receiver got far enough, the second run at full speed through a forwarder that counts.
namespace ferry::test {

// The folder an interrupted transfer left in `out` (.ferry-partial-*), or an empty path.
fs::path partial_folder(const fs::path& out);
void flip_byte(const fs::path& path, std::uint64_t at);

enum class stop { receiver_killed, sender_killed, receiver_interrupted, sender_interrupted };

struct first_try {
    bool started = false;  // the sender showed a code
    bool reached = false;  // `reached` came true in time
    int receiver_exit = 0;
    std::string receiver_errors;
};

// Sends `paths` with `sender_args` and stops one side the hard or the soft way once `reached`
// says so. A side stopped with Ctrl-C says BYE, so the other ends at once; after a kill -9 the
// other could only wait for it to come back, so reconnecting is off then.
first_try run_interrupted(const std::string& relay, const std::vector<fs::path>& paths,
                          const fs::path& out, const std::function<bool()>& reached, stop how,
                          std::vector<std::string> sender_args);

// Sends `paths` to a receiver that may not write a file past `limit` bytes (prlimit --fsize):
// its disk "fills up" mid-way, after the free-space check.
first_try run_on_full_disk(const std::string& relay, const std::vector<fs::path>& paths,
                           const fs::path& out, std::uint64_t limit);

struct second_try {
    bool started = false;
    int sender_exit = 0;
    int receiver_exit = 0;
    std::string receiver_errors;
    std::string sender_errors;
    std::uint64_t crossed = 0;  // bytes between the receiver and the relay, both ways
};

second_try run_again(const relay_fixture& relay, const std::vector<fs::path>& paths,
                     const fs::path& out, const std::vector<std::string>& receiver_args,
                     const std::vector<std::string>& sender_args);

}  // namespace ferry::test
