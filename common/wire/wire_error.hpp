#pragma once

#include <stdexcept>
#include <string>
#include <system_error>

namespace ferry {

// Bytes from the network that break the protocol: bad magic, bad length, unknown type, ...
class wire_error : public std::runtime_error {
  public:
    explicit wire_error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace ferry

namespace ferry {

// The connection ended (EOF or reset) where the protocol expected more bytes. `cause` keeps why:
// empty for an orderly end (EOF), else the socket error (a reset, a timeout, ...).
class connection_closed : public std::runtime_error {
  public:
    explicit connection_closed(const std::string& what, std::error_code cause = {})
        : std::runtime_error(what), cause_(cause) {}
    [[nodiscard]] std::error_code cause() const noexcept { return cause_; }
    // An orderly end (EOF): the other side, or the relay, closed on purpose.
    [[nodiscard]] bool orderly() const noexcept { return !cause_; }

  private:
    std::error_code cause_;
};

}  // namespace ferry

namespace ferry {

// A record failed authentication, came out of order, was replayed, or the stream was cut off
// before its authenticated end.
class integrity_error : public std::runtime_error {
  public:
    explicit integrity_error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace ferry
