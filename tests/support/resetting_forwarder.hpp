#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ferry::test {

// A TCP forwarder on 127.0.0.1 in front of the relay that breaks a connection the hard way, as a
// crashed host or a middlebox does: once `after` bytes from the client have gone upstream, it
// resets (SO_LINGER 0, then close) its connection to the relay, to the client, or both, once:
// later connections (a client reconnecting) are forwarded untouched. Each
// connection is pumped both ways by one thread with poll(2), so that thread alone owns its two
// descriptors and can close them at any moment.
class resetting_forwarder {
  public:
    enum class side { upstream, client, both };
    resetting_forwarder(std::uint16_t upstream_port, std::uint64_t after, side reset);
    ~resetting_forwarder();
    resetting_forwarder(const resetting_forwarder&) = delete;
    resetting_forwarder& operator=(const resetting_forwarder&) = delete;

    [[nodiscard]] std::string address() const;
    // Waits until a connection has been reset; false if none was within `timeout`.
    bool wait_for_reset(std::chrono::milliseconds timeout);

  private:
    void accept_loop();
    void pump(int client, int upstream);
    void note_reset();
    bool reset_before();

    int listener_ = -1;
    int stop_event_ = -1;  // an eventfd: readable once the destructor runs
    std::uint16_t port_ = 0;
    std::uint16_t upstream_port_;
    std::uint64_t after_;
    side which_;
    std::mutex mutex_;
    std::condition_variable reset_done_;
    bool was_reset_ = false;
    std::vector<std::thread> threads_;
    std::thread acceptor_;
};

}  // namespace ferry::test
