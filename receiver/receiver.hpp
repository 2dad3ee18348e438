#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "common/net/address.hpp"
#include "receiver/accept_prompt.hpp"
#include "receiver/partial_file.hpp"

namespace ferry::receiver {

struct options {
    std::string code;  // as typed
    host_port relay;
    std::filesystem::path output_dir = ".";
    bool yes = false;        // accept without asking, number the name if it exists
    bool ask = false;        // --ask: ask also before showing a short text
    bool to_stdout = false;  // --stdout / -o -: a file's or a stream's bytes to standard output
    bool quiet = false;      // errors only
    bool verbose = false;    // the SHA-256 in the last line
    bool lan = false;        // find the sender by its LAN announcement instead of using `relay`
    std::chrono::milliseconds lan_timeout{5000};
    prompt_limits prompt;  // the Accept? question: its time limit and keepalive interval
    bool resume = true;    // continue from what an interrupted transfer kept (--no-resume: not)
    // From a share (`ferry share`): list what it holds and take nothing, or take only these
    // paths (as the listing shows them; none: everything).
    bool list = false;
    std::vector<std::string> take;
    // A broken connection is reconnected for this long (0: never), if the sender can.
    std::chrono::milliseconds reconnect_for{std::chrono::minutes(2)};
    // A connection on which nothing arrives for this long is taken for broken (--stall-timeout).
    std::chrono::milliseconds stall_timeout{std::chrono::seconds(30)};
};

// Receives one file into options.output_dir. Throws failure on every error; returns on success.
// A receiver that stops before the end keeps what came for a resume (and says where).
void receive(const options& opts);

// ferry receive --discard-partial: removes what interrupted transfers kept in options.output_dir.
discarded_partials discard(const options& opts);

}  // namespace ferry::receiver
