#include "tests/support/cutting_forwarder.hpp"

#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>

#include "tests/support/flow.hpp"
#include "tests/support/loopback.hpp"

namespace ferry::test {

namespace {

bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
}

// Reads and drops what `fd` has; false once it has closed or failed.
bool still_open(int fd, std::array<char, 16384>& sink) {
    const auto n = ::recv(fd, sink.data(), sink.size(), MSG_DONTWAIT);
    return n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR));
}

}  // namespace

// One forwarded connection. `poke` wakes its pump for cut_now(), which leaves the kind wanted
// in `wanted` (-1: none).
struct cutting_forwarder::link {
    int client = -1;
    int upstream = -1;
    int poke = -1;
    std::atomic<int> wanted{-1};
    std::thread thread;
};

cutting_forwarder::cutting_forwarder(std::uint16_t upstream_port, std::vector<cut> cuts)
    : upstream_port_(upstream_port), cuts_(std::move(cuts)) {
    std::sort(cuts_.begin(), cuts_.end(), [](const cut& a, const cut& b) { return a.at < b.at; });
    stop_event_ = ::eventfd(0, EFD_CLOEXEC);
    if (stop_event_ < 0) throw std::runtime_error("cutting_forwarder: no eventfd");
    listener_ = listen_on_loopback(port_, "cutting_forwarder");
    acceptor_ = std::thread([this] { accept_loop(); });
}

cutting_forwarder::~cutting_forwarder() {
    const std::uint64_t one = 1;
    (void)!::write(stop_event_, &one, sizeof one);
    ::shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    for (auto& l : links_) {
        l->thread.join();
        ::close(l->poke);
    }
    ::close(listener_);
    ::close(stop_event_);
}

std::string cutting_forwarder::address() const {
    return "127.0.0.1:" + std::to_string(port_);
}

void cutting_forwarder::cut_now(how kind) {
    std::lock_guard lock(mutex_);
    for (auto& l : links_) {
        l->wanted = static_cast<int>(kind);
        const std::uint64_t one = 1;
        (void)!::write(l->poke, &one, sizeof one);
    }
}

bool cutting_forwarder::wait_for_cuts(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cut_made_.wait_for(lock, timeout, [&] { return made_ >= n; });
}

void cutting_forwarder::note_cut() {
    std::lock_guard lock(mutex_);
    ++made_;
    cut_made_.notify_all();
}

bool cutting_forwarder::cut_due(std::uint64_t n, how& kind) {
    const auto total = forwarded_ += n;
    std::lock_guard lock(mutex_);
    if (next_cut_ >= cuts_.size() || total < cuts_[next_cut_].at) return false;
    kind = cuts_[next_cut_].kind;
    ++next_cut_;
    return true;
}

void cutting_forwarder::accept_loop() {
    for (;;) {
        const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) return;
        const int upstream = connect_to_loopback(upstream_port_);
        if (upstream < 0) {
            ::close(client);
            continue;
        }
        ++accepted_;
        auto l = std::make_unique<link>();
        l->client = client;
        l->upstream = upstream;
        l->poke = ::eventfd(0, EFD_CLOEXEC);
        auto& ref = *l;
        std::lock_guard lock(mutex_);
        links_.push_back(std::move(l));
        ref.thread = std::thread([this, &ref] { pump(ref); });
    }
}

// Forwards both ways until both directions end, the connection fails, a cut is due or the
// forwarder is destroyed; then makes the cut.
void cutting_forwarder::pump(link& l) {
    flow up;    // client -> upstream
    flow down;  // upstream -> client
    bool live = true;
    bool cutting = false;
    how kind = how::reset;
    const auto wrote = [&](std::int64_t n) {
        live = n >= 0;
        if (live && n > 0 && cut_due(static_cast<std::uint64_t>(n), kind)) cutting = true;
    };
    while (live && !cutting && !(up.eof && down.eof && up.empty() && down.empty())) {
        std::array<pollfd, 4> fds{{wait_on(l.client, up, down),
                                   wait_on(l.upstream, down, up),
                                   {stop_event_, POLLIN, 0},
                                   {l.poke, POLLIN, 0}}};
        if (::poll(fds.data(), fds.size(), -1) < 0) continue;
        if (fds[2].revents != 0) break;
        if (fds[3].revents != 0) {
            kind = static_cast<how>(l.wanted.load());
            cutting = true;
            break;
        }
        if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && up.wants_read())
            live = up.read_from(l.client, l.upstream);
        if (live && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && down.wants_read())
            live = down.read_from(l.upstream, l.client);
        if (live && (fds[1].revents & (POLLOUT | POLLERR)) != 0 && !up.empty())
            wrote(up.write_to(l.upstream));
        if (live && !cutting && (fds[0].revents & (POLLOUT | POLLERR)) != 0 && !down.empty())
            wrote(down.write_to(l.client));
    }
    if (!cutting) {
        ::close(l.client);
        ::close(l.upstream);
        return;
    }
    note_cut();
    // Bytes still queued in the forwarder's own sockets never arrive after a reset or into a
    // black hole: they did not cross.
    if (kind != how::fin) {
        for (const int fd : {l.client, l.upstream}) {
            int queued = 0;
            if (::ioctl(fd, SIOCOUTQ, &queued) == 0 && queued > 0) {
                forwarded_ -= static_cast<std::uint64_t>(queued);
            }
        }
    }
    if (kind == how::reset) {
        reset_and_close(l.client);
        reset_and_close(l.upstream);
        return;
    }
    if (kind == how::reset_upstream) reset_and_close(l.upstream);
    if (kind == how::fin) {
        ::shutdown(l.client, SHUT_WR);
        ::shutdown(l.upstream, SHUT_WR);
    }
    // FIN: what either side still sends is read and dropped until both have closed. Black hole
    // (and the client's side after reset_upstream): nothing is read or written until the
    // forwarder goes.
    std::array<char, 16384> sink{};
    bool client_open = kind == how::fin;
    bool upstream_open = kind == how::fin;
    while (true) {
        std::array<pollfd, 3> fds{{{client_open ? l.client : -1, POLLIN, 0},
                                   {upstream_open ? l.upstream : -1, POLLIN, 0},
                                   {stop_event_, POLLIN, 0}}};
        if (kind == how::fin && !client_open && !upstream_open) break;
        if (::poll(fds.data(), fds.size(), -1) < 0) continue;
        if (readable(stop_event_)) break;
        if (client_open && fds[0].revents != 0) client_open = still_open(l.client, sink);
        if (upstream_open && fds[1].revents != 0) upstream_open = still_open(l.upstream, sink);
    }
    ::close(l.client);
    if (kind != how::reset_upstream) ::close(l.upstream);
}

}  // namespace ferry::test
