#include "cli/embedded_relay.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/exit_code.hpp"

namespace ferry::cli {

embedded_relay::embedded_relay(std::uint16_t port) {
    spdlog::set_level(spdlog::level::off);  // the sender speaks to its person, not a log
    try {
        try {
            server_ = std::make_unique<relay::server>(
                io_.get_executor(), tcp::endpoint(asio::ip::address_v6::any(), port),
                relay::limits{});
        } catch (const std::system_error&) {
            server_ = std::make_unique<relay::server>(
                io_.get_executor(), tcp::endpoint(asio::ip::address_v4::any(), port),
                relay::limits{});
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
    asio::post(io_, [this] { server_->stop_now(); });
    thread_.join();
}

}  // namespace ferry::cli
