#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "common/net/asio.hpp"
#include "relay/limits.hpp"
#include "relay/server.hpp"

namespace ferry::test {

// The real relay, in process, on 127.0.0.1 with an ephemeral port, on its own thread.
class relay_fixture {
  public:
    explicit relay_fixture(relay::limits limits = fast_limits());
    ~relay_fixture();
    [[nodiscard]] std::string address() const;
    [[nodiscard]] std::uint16_t port() const { return port_; }
    // The server's counts, read on its own thread.
    [[nodiscard]] std::size_t sessions();
    [[nodiscard]] std::size_t connections();
    static relay::limits fast_limits();
    // The server's graceful stop (SIGTERM), without waiting for it.
    void stop();

  private:
    asio::io_context io_;
    std::unique_ptr<relay::server> server_;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

}  // namespace ferry::test
