#include "cli/embedded_relay.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/ui/exit_code.hpp"

namespace ferry::cli {

namespace {

// One sender, one receiver: anyone else who can reach the port gets nothing out of it. A share
// has a pair per receiver, and its own data connections all come from this computer.
relay::limits lan_limits(bool share) {
    relay::limits l;
    l.max_sessions = share ? 129 : 1;
    l.max_waiting_per_address = 1;
    l.max_connections = share ? 512 : 16;
    l.max_connections_per_address = share ? 256 : 8;
    l.grace = std::chrono::seconds(2);
    l.first_nameplate_range = 99'999;  // two senders on one network rarely collide
    return l;
}

}  // namespace

embedded_relay::embedded_relay(std::uint16_t port, bool share) {
    spdlog::set_level(spdlog::level::off);  // the sender speaks to its person, not a log
    try {
        try {
            server_ = std::make_unique<relay::server>(
                io_.get_executor(), tcp::endpoint(asio::ip::address_v6::any(), port),
                lan_limits(share));
        } catch (const std::system_error&) {
            server_ = std::make_unique<relay::server>(
                io_.get_executor(), tcp::endpoint(asio::ip::address_v4::any(), port),
                lan_limits(share));
        }
    } catch (const std::system_error& e) {
        throw failure(exit_code::network, fmt::format("cannot listen on port {} for LAN mode: {}",
                                                      port, e.code().message()));
    }
    port_ = server_->local_endpoint().port();
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
}

embedded_relay::~embedded_relay() {
    // Graceful: the last records (a confirmation, an ABORT) still reach the receiver.
    asio::post(io_, [this] { server_->stop(); });
    thread_.join();
}

}  // namespace ferry::cli
