#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ferry::test {

// A TCP forwarder on 127.0.0.1 in front of the relay, standing in for a hostile network or relay:
// it records every byte in both directions and can tamper with the records a client sends after
// its relay hello.
class forwarder {
  public:
    // count: no tampering, and the bytes are counted (crossed()) instead of recorded.
    enum class tamper { none, flip_bit, drop, repeat, reorder, close, count };
    // `record`: the index (0 = first record after the hello) to tamper with.
    forwarder(std::uint16_t upstream_port, tamper t = tamper::none, std::size_t record = 0);
    ~forwarder();
    forwarder(const forwarder&) = delete;
    forwarder& operator=(const forwarder&) = delete;

    [[nodiscard]] std::string address() const;
    // Everything that crossed so far, both directions concatenated per connection.
    [[nodiscard]] std::string recorded() const;
    [[nodiscard]] bool tampered() const { return tampered_; }
    // Bytes that crossed so far, both directions, every connection.
    [[nodiscard]] std::uint64_t crossed() const { return crossed_; }

  private:
    void accept_loop();
    void client_to_upstream(int from, int to);
    void copy(int from, int to);
    void record_bytes(const char* data, std::size_t n);

    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::uint16_t upstream_port_;
    tamper tamper_;
    std::size_t record_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> tampered_{false};
    std::atomic<std::uint64_t> crossed_{0};
    mutable std::mutex mutex_;
    std::string recorded_;
    std::vector<int> sockets_;
    std::vector<std::thread> threads_;
    std::thread acceptor_;
};

}  // namespace ferry::test
