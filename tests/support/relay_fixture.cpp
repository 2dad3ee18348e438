#include "tests/support/relay_fixture.hpp"

namespace ferry::test {

relay::limits relay_fixture::fast_limits() {
    relay::limits l;
    // Long enough that a client descheduled on a loaded machine still says hello in time; the
    // tests of the hello timeout itself set a short one.
    l.hello_timeout = std::chrono::seconds(5);
    l.sender_wait = std::chrono::seconds(60);
    l.idle_timeout = std::chrono::seconds(30);
    l.grace = std::chrono::seconds(1);
    return l;
}

relay_fixture::relay_fixture(relay::limits limits) {
    server_ = std::make_unique<relay::server>(
        io_.get_executor(), tcp::endpoint(asio::ip::address_v4::loopback(), 0), limits);
    port_ = server_->local_endpoint().port();
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
}

relay_fixture::~relay_fixture() {
    asio::post(io_, [this] { server_->stop_now(); });
    thread_.join();
}

void relay_fixture::stop() {
    asio::post(io_, [this] { server_->stop(); });
}

std::size_t relay_fixture::sessions() {
    return asio::post(io_, asio::use_future([this] { return server_->sessions(); })).get();
}

std::size_t relay_fixture::connections() {
    return asio::post(io_, asio::use_future([this] { return server_->connections(); })).get();
}

std::string relay_fixture::address() const {
    return "127.0.0.1:" + std::to_string(port_);
}

}  // namespace ferry::test
