#include "tests/support/resetting_forwarder.hpp"

#include "tests/support/flow.hpp"
#include "tests/support/loopback.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>

namespace ferry::test {

namespace {

void hard_reset(int& fd) {
    reset_and_close(fd);
    fd = -1;
}

}  // namespace

resetting_forwarder::resetting_forwarder(std::uint16_t upstream_port, std::uint64_t after,
                                         side reset)
    : upstream_port_(upstream_port), after_(after), which_(reset) {
    stop_event_ = ::eventfd(0, EFD_CLOEXEC);
    if (stop_event_ < 0) throw std::runtime_error("resetting_forwarder: no eventfd");
    listener_ = listen_on_loopback(port_, "resetting_forwarder");
    acceptor_ = std::thread([this] { accept_loop(); });
}

resetting_forwarder::~resetting_forwarder() {
    const std::uint64_t one = 1;
    (void)!::write(stop_event_, &one, sizeof one);
    ::shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    for (auto& t : threads_)
        t.join();
    ::close(listener_);
    ::close(stop_event_);
}

bool resetting_forwarder::reset_before() {
    std::lock_guard lock(mutex_);
    return was_reset_;
}

std::string resetting_forwarder::address() const {
    return "127.0.0.1:" + std::to_string(port_);
}

bool resetting_forwarder::wait_for_reset(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return reset_done_.wait_for(lock, timeout, [this] { return was_reset_; });
}

void resetting_forwarder::note_reset() {
    std::lock_guard lock(mutex_);
    was_reset_ = true;
    reset_done_.notify_all();
}

void resetting_forwarder::accept_loop() {
    for (;;) {
        const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) return;
        const int upstream = connect_to_loopback(upstream_port_);
        if (upstream < 0) {
            ::close(client);
            continue;
        }
        threads_.emplace_back([this, client, upstream] { pump(client, upstream); });
    }
}

// Forwards both ways until both directions have ended, a connection fails, the reset point is
// reached or the forwarder is destroyed. After a reset of one side the other stays open and
// silent until the destructor, as behind a middlebox that lost the connection.
void resetting_forwarder::pump(int client, int upstream) {
    flow up;    // client -> upstream
    flow down;  // upstream -> client
    std::uint64_t forwarded = 0;
    bool live = true;
    while (live && !(up.eof && down.eof && up.empty() && down.empty())) {
        std::array<pollfd, 3> fds{
            {wait_on(client, up, down), wait_on(upstream, down, up), {stop_event_, POLLIN, 0}}};
        if (::poll(fds.data(), fds.size(), -1) < 0) continue;
        if (fds[2].revents != 0) break;
        if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && up.wants_read())
            live = up.read_from(client, upstream);
        if (live && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && down.wants_read())
            live = down.read_from(upstream, client);
        if (live && (fds[1].revents & (POLLOUT | POLLERR)) != 0 && !up.empty()) {
            const auto n = up.write_to(upstream);
            live = n >= 0;
            forwarded += static_cast<std::uint64_t>(std::max<std::int64_t>(n, 0));
        }
        if (live && (fds[0].revents & (POLLOUT | POLLERR)) != 0 && !down.empty())
            live = down.write_to(client) >= 0;
        if (live && forwarded >= after_ && !reset_before()) {
            if (which_ != side::client) hard_reset(upstream);
            if (which_ != side::upstream) hard_reset(client);
            note_reset();
            pollfd stop{stop_event_, POLLIN, 0};
            while (::poll(&stop, 1, -1) < 0) {
            }
            break;
        }
    }
    if (client >= 0) ::close(client);
    if (upstream >= 0) ::close(upstream);
}

}  // namespace ferry::test
