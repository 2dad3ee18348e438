#include "tests/support/share_cutter.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <stdexcept>

#include "tests/support/loopback.hpp"

namespace ferry::test {

namespace {

void hard_reset(int fd) {
    const linger now{1, 0};  // close() sends RST
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
    ::close(fd);
}

// Moves what `from` has to `to`; false once `from` ended or either failed.
bool move_bytes(int from, int to) {
    std::array<char, 64 * 1024> buffer{};
    const auto n = ::recv(from, buffer.data(), buffer.size(), 0);
    if (n <= 0) return n < 0 && errno == EINTR;
    std::size_t done = 0;
    while (done < static_cast<std::size_t>(n)) {
        const auto w =
            ::send(to, buffer.data() + done, static_cast<std::size_t>(n) - done, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return false;
        done += static_cast<std::size_t>(w);
    }
    return true;
}

}  // namespace

share_cutter::share_cutter(std::uint16_t upstream_port) : upstream_port_(upstream_port) {
    stop_event_ = ::eventfd(0, EFD_CLOEXEC);
    if (stop_event_ < 0) throw std::runtime_error("share_cutter: no eventfd");
    listener_ = listen_on_loopback(port_, "share_cutter");
    acceptor_ = std::thread([this] { accept_loop(); });
}

share_cutter::~share_cutter() {
    const std::uint64_t one = 1;
    (void)!::write(stop_event_, &one, sizeof one);
    ::shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    for (auto& t : threads_)
        t.join();
    ::close(listener_);
    ::close(stop_event_);
}

std::string share_cutter::address() const {
    return "127.0.0.1:" + std::to_string(port_);
}

std::size_t share_cutter::connections() const {
    std::lock_guard lock(mutex_);
    return accepted_;
}

void share_cutter::cut(how h) {
    std::unique_lock lock(mutex_);
    if (first_client_ < 0) throw std::runtime_error("share_cutter: no first connection to cut");
    how_ = h;
    cut_asked_ = true;
    // Wakes its pump without a byte to the peer: a read of the client's side now ends.
    ::shutdown(first_client_, SHUT_RD);
    if (!cut_done_.wait_for(lock, std::chrono::seconds(30), [this] { return cut_made_; }))
        throw std::runtime_error("share_cutter: the first connection was not cut in time");
}

void share_cutter::accept_loop() {
    for (;;) {
        const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) return;
        const int upstream = connect_to_loopback(upstream_port_);
        if (upstream < 0) {
            ::close(client);
            continue;
        }
        bool first = false;
        {
            std::lock_guard lock(mutex_);
            first = accepted_++ == 0;
            if (first) first_client_ = client;
        }
        threads_.emplace_back([this, client, upstream, first] { pump(client, upstream, first); });
    }
}

void share_cutter::pump(int client, int upstream, bool first) {
    bool live = true;
    while (live) {
        std::array<pollfd, 3> fds{
            {{client, POLLIN, 0}, {upstream, POLLIN, 0}, {stop_event_, POLLIN, 0}}};
        if (::poll(fds.data(), fds.size(), -1) < 0) continue;
        if (fds[2].revents != 0) break;
        if (first && cut_now(client, upstream)) return;
        if (fds[0].revents != 0) live = move_bytes(client, upstream);
        if (live && fds[1].revents != 0) live = move_bytes(upstream, client);
    }
    if (first) {
        std::lock_guard lock(mutex_);
        first_client_ = -1;
    }
    ::close(client);
    ::close(upstream);
}

// The first connection, once cut() asked: reset or closed both ways; true if it was.
bool share_cutter::cut_now(int client, int upstream) {
    std::lock_guard lock(mutex_);
    if (!cut_asked_) return false;
    if (how_ == how::reset) {
        hard_reset(client);
        hard_reset(upstream);
    } else {
        ::shutdown(upstream, SHUT_WR);
        ::close(client);
        ::close(upstream);
    }
    first_client_ = -1;
    cut_made_ = true;
    cut_done_.notify_all();
    return true;
}

}  // namespace ferry::test
