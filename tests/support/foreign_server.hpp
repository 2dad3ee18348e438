#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ferry::test {

// A TCP server on 127.0.0.1 that is not a ferry relay. With an `answer` (an HTTP server's
// "HTTP/1.1 400 Bad Request..."), it reads what a client sends first, answers that and closes;
// without, it accepts and never says a thing.
class foreign_server {
  public:
    explicit foreign_server(std::string answer = {});
    ~foreign_server();
    foreign_server(const foreign_server&) = delete;
    foreign_server& operator=(const foreign_server&) = delete;

    [[nodiscard]] std::string address() const;
    [[nodiscard]] int accepted() const { return accepted_; }

  private:
    void accept_loop();

    std::string answer_;
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> accepted_{0};
    std::mutex mutex_;
    std::vector<int> clients_;
    std::thread acceptor_;
};

}  // namespace ferry::test
