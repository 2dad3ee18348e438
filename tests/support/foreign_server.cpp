#include "tests/support/foreign_server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <array>

#include "tests/support/loopback.hpp"

namespace ferry::test {

foreign_server::foreign_server(std::string answer) : answer_(std::move(answer)) {
    listener_ = listen_on_loopback(port_, "foreign server");
    acceptor_ = std::thread([this] { accept_loop(); });
}

foreign_server::~foreign_server() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    {
        std::lock_guard lock(mutex_);
        for (int c : clients_)
            ::shutdown(c, SHUT_RDWR);  // wakes a read that waits for the client
    }
    acceptor_.join();
    for (int c : clients_)
        ::close(c);
    ::close(listener_);
}

std::string foreign_server::address() const {
    return "127.0.0.1:" + std::to_string(port_);
}

void foreign_server::accept_loop() {
    while (!stopping_) {
        const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) return;
        {
            std::lock_guard lock(mutex_);
            clients_.push_back(client);
        }
        ++accepted_;
        if (answer_.empty()) continue;  // silent: the connection stays open, unanswered
        std::array<char, 512> request{};
        if (::recv(client, request.data(), request.size(), 0) <= 0) continue;
        (void)::send(client, answer_.data(), answer_.size(), MSG_NOSIGNAL);
        ::shutdown(client, SHUT_WR);
    }
}

}  // namespace ferry::test
