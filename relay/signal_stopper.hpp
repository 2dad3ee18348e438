#pragma once

#include <system_error>

#include "common/net/asio.hpp"
#include "relay/server.hpp"

namespace ferry::relay {

// Stops a relay on SIGINT or SIGTERM: the first signal gracefully (server::stop()), a second one
// at once (server::stop_now()). Once the server has stopped it stops listening for signals, so
// that the io_context runs out of work and run() returns. One per server, living as long as it.
class signal_stopper {
  public:
    signal_stopper(asio::io_context& io, server& s);

  private:
    void wait();
    void on_signal(const std::error_code& ec);

    asio::signal_set signals_;
    server& server_;
    bool signalled_ = false;  // a first signal came: the next one closes everything
};

}  // namespace ferry::relay
