#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ferry::test {

// A TCP forwarder on 127.0.0.1 in front of the relay that cuts its first connection (a share's
// control connection) when the test says so: reset (RST both ways, as a crashed middlebox) or
// closed (FIN both ways). Later connections are forwarded untouched. One thread per connection.
class share_cutter {
  public:
    enum class how { reset, close };
    explicit share_cutter(std::uint16_t upstream_port);
    ~share_cutter();
    share_cutter(const share_cutter&) = delete;
    share_cutter& operator=(const share_cutter&) = delete;

    [[nodiscard]] std::string address() const;
    // Cuts the first connection (it must be open); returns once it is cut.
    void cut(how h);
    [[nodiscard]] std::size_t connections() const;

  private:
    void accept_loop();
    void pump(int client, int upstream, bool first);
    bool cut_now(int client, int upstream);

    int listener_ = -1;
    int stop_event_ = -1;  // eventfd: readable once the destructor runs
    std::uint16_t port_ = 0;
    std::uint16_t upstream_port_;
    how how_ = how::reset;
    mutable std::mutex mutex_;
    std::condition_variable cut_done_;
    int first_client_ = -1;  // while the first connection's pump runs
    bool cut_asked_ = false;
    bool cut_made_ = false;
    std::size_t accepted_ = 0;
    std::vector<std::thread> threads_;
    std::thread acceptor_;
};

}  // namespace ferry::test
