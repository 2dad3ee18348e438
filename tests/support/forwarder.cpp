#include "tests/support/forwarder.hpp"

#include "tests/support/loopback.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace ferry::test {

namespace {

bool read_exact(int fd, char* data, std::size_t n) {
    while (n > 0) {
        const auto got = ::recv(fd, data, n, 0);
        if (got <= 0) return false;
        data += got;
        n -= static_cast<std::size_t>(got);
    }
    return true;
}

bool write_all(int fd, const char* data, std::size_t n) {
    while (n > 0) {
        const auto sent = ::send(fd, data, n, MSG_NOSIGNAL);
        if (sent <= 0) return false;
        data += sent;
        n -= static_cast<std::size_t>(sent);
    }
    return true;
}

}  // namespace

forwarder::forwarder(std::uint16_t upstream_port, tamper t, std::size_t record)
    : upstream_port_(upstream_port), tamper_(t), record_(record) {
    listener_ = listen_on_loopback(port_, "forwarder");
    acceptor_ = std::thread([this] { accept_loop(); });
}

forwarder::~forwarder() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    {
        std::lock_guard lock(mutex_);
        for (int s : sockets_)
            ::shutdown(s, SHUT_RDWR);
    }
    for (auto& t : threads_)
        t.join();
    for (int s : sockets_)
        ::close(s);
    ::close(listener_);
}

std::string forwarder::address() const {
    return "127.0.0.1:" + std::to_string(port_);
}

std::string forwarder::recorded() const {
    std::lock_guard lock(mutex_);
    return recorded_;
}

void forwarder::record_bytes(const char* data, std::size_t n) {
    crossed_ += n;
    if (tamper_ == tamper::count) return;
    std::lock_guard lock(mutex_);
    recorded_.append(data, n);
}

void forwarder::accept_loop() {
    while (!stopping_) {
        const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) return;
        const int upstream = connect_to_loopback(upstream_port_);
        if (upstream < 0) {
            ::close(client);
            continue;
        }
        std::lock_guard lock(mutex_);
        sockets_.push_back(client);
        sockets_.push_back(upstream);
        threads_.emplace_back([this, client, upstream] { client_to_upstream(client, upstream); });
        threads_.emplace_back([this, client, upstream] { copy(upstream, client); });
    }
}

void forwarder::copy(int from, int to) {
    std::vector<char> buf(64 * 1024);
    for (;;) {
        const auto n = ::recv(from, buf.data(), buf.size(), 0);
        if (n <= 0) break;
        record_bytes(buf.data(), static_cast<std::size_t>(n));
        if (!write_all(to, buf.data(), static_cast<std::size_t>(n))) break;
    }
    ::shutdown(to, SHUT_WR);
}

void forwarder::client_to_upstream(int from, int to) {
    if (tamper_ == tamper::none || tamper_ == tamper::count) {
        copy(from, to);
        return;
    }
    // The relay hello (8-byte header + payload) passes untouched; then record by record:
    // u32 length | body.
    std::vector<char> hello(8);
    if (!read_exact(from, hello.data(), hello.size())) return;
    hello.resize(8 + ((static_cast<std::size_t>(static_cast<unsigned char>(hello[6])) << 8) |
                      static_cast<unsigned char>(hello[7])));
    if (!read_exact(from, hello.data() + 8, hello.size() - 8)) return;
    record_bytes(hello.data(), hello.size());
    write_all(to, hello.data(), hello.size());
    std::vector<char> rec;
    std::vector<char> held;
    for (std::size_t index = 0;; ++index) {
        char header[4];
        if (!read_exact(from, header, 4)) break;
        const auto len = (static_cast<std::uint32_t>(static_cast<unsigned char>(header[0])) << 24) |
                         (static_cast<std::uint32_t>(static_cast<unsigned char>(header[1])) << 16) |
                         (static_cast<std::uint32_t>(static_cast<unsigned char>(header[2])) << 8) |
                         static_cast<std::uint32_t>(static_cast<unsigned char>(header[3]));
        rec.assign(header, header + 4);
        rec.resize(4 + len);
        if (!read_exact(from, rec.data() + 4, len)) break;
        record_bytes(rec.data(), rec.size());
        if (index == record_) {
            tampered_ = true;
            switch (tamper_) {
                case tamper::flip_bit:
                    rec[4 + len / 2] = static_cast<char>(rec[4 + len / 2] ^ 0x10);
                    break;
                case tamper::drop:
                    continue;
                case tamper::repeat:
                    write_all(to, rec.data(), rec.size());
                    break;
                case tamper::reorder: {
                    held = rec;  // sent after the next record
                    continue;
                }
                case tamper::close:
                    ::shutdown(to, SHUT_WR);
                    ::shutdown(from, SHUT_RDWR);
                    return;
                case tamper::none:
                case tamper::count:
                    break;
            }
        }
        if (!write_all(to, rec.data(), rec.size())) break;
        if (!held.empty()) {
            if (!write_all(to, held.data(), held.size())) break;
            held.clear();
        }
    }
    ::shutdown(to, SHUT_WR);
}

}  // namespace ferry::test
