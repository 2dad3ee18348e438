#include "tests/support/wait.hpp"

#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <fstream>
#include <system_error>
#include <thread>

#include "common/net/asio.hpp"

namespace ferry::test {

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (condition()) return true;
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

bool port_accepts(std::uint16_t port, const std::string& host) {
    asio::io_context io;
    tcp::socket s(io);
    std::error_code ec;
    s.connect(tcp::endpoint(asio::ip::make_address(host), port), ec);
    return !ec;
}

bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout, const std::string& host) {
    return wait_until([&] { return port_accepts(port, host); }, timeout);
}

io_counters io_of(pid_t pid) {
    io_counters c;
    std::ifstream in("/proc/" + std::to_string(pid) + "/io");
    std::string key;
    std::uint64_t value = 0;
    while (in >> key >> value) {
        if (key == "rchar:") c.read = value;
        if (key == "wchar:") c.written = value;
    }
    return c;
}

std::size_t unacknowledged(int socket) {
    int queued = 0;
    if (::ioctl(socket, SIOCOUTQ, &queued) != 0)
        throw std::system_error(errno, std::generic_category());
    return static_cast<std::size_t>(queued);
}

}  // namespace ferry::test
