#pragma once

#include <stdexcept>
#include <string>

namespace ferry {

// Process exit codes; documented in README.md. Keep the numbers stable.
enum class exit_code : int {
    ok = 0,
    internal = 1,       // a bug or an unexpected condition
    usage = 2,          // bad command line
    network = 3,        // relay unreachable, connection lost, protocol violation
    wrong_code = 4,     // unknown nameplate or code that does not match
    peer = 5,           // the other side refused, went away or never came
    integrity = 6,      // SHA-256 (or later, authentication) mismatch
    local_io = 7,       // local file could not be read or written, disk full
    no_sender = 8,      // LAN mode: no sender announced that nameplate on this network
    hangup = 129,       // SIGHUP: the terminal closed (128 + 1, the shell's convention)
    interrupted = 130,  // Ctrl-C (SIGINT)
    terminated = 143,   // SIGTERM
};

// A failure that ends a command: a one-line message for a person and the exit code to use.
class failure : public std::runtime_error {
  public:
    failure(exit_code code, const std::string& message)
        : std::runtime_error(message), code_(code) {}
    [[nodiscard]] exit_code code() const noexcept { return code_; }

  private:
    exit_code code_;
};

}  // namespace ferry
