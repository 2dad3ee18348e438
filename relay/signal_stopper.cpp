#include "relay/signal_stopper.hpp"

#include <csignal>

#include <spdlog/spdlog.h>

namespace ferry::relay {

signal_stopper::signal_stopper(asio::io_context& io, server& s)
    : signals_(io, SIGINT, SIGTERM), server_(s) {
    server_.on_stopped([this] {
        spdlog::info("relay stopped");
        signals_.cancel();
    });
    wait();
}

void signal_stopper::wait() {
    signals_.async_wait([this](const std::error_code& ec, int) { on_signal(ec); });
}

void signal_stopper::on_signal(const std::error_code& ec) {
    if (ec) return;  // cancelled: the server has stopped
    if (signalled_) {
        server_.stop_now();
        return;
    }
    signalled_ = true;
    wait();  // before stop(), which cancels it if nothing is running
    server_.stop();
}

}  // namespace ferry::relay
