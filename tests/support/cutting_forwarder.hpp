#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ferry::test {

// A TCP forwarder on 127.0.0.1 in front of the relay that cuts the connection in use again and
// again, as a flaky path does: whenever the bytes it has forwarded (both directions, every
// connection together) pass the next cut point, the connection carrying them is
//   reset      - closed with SO_LINGER 0 on both sides (RST, unsent bytes dropped),
//   fin        - shut down in order on both sides (FIN), then drained until both close,
//   black_hole - no longer forwarded either way and never closed, as behind a NAT that forgot
//                it: the client hears nothing until it gives up on the connection itself,
//   reset_upstream - the connection to the relay reset, the client's left open and silent (a
//                middlebox that lost it, or a crash seen from the relay only).
// The client's next connection is forwarded as usual. Each connection is pumped by one thread
// with poll(2), which alone owns its two descriptors.
class cutting_forwarder {
  public:
    enum class how { reset, fin, black_hole, reset_upstream };
    struct cut {
        std::uint64_t at;  // bytes forwarded in all, both directions
        how kind = how::reset;
    };
    cutting_forwarder(std::uint16_t upstream_port, std::vector<cut> cuts);
    ~cutting_forwarder();
    cutting_forwarder(const cutting_forwarder&) = delete;
    cutting_forwarder& operator=(const cutting_forwarder&) = delete;

    [[nodiscard]] std::string address() const;
    // Cuts the connections open now (as `kind`), whatever the byte count.
    void cut_now(how kind);
    // Waits until `n` cuts have been made; false if not within `timeout`.
    bool wait_for_cuts(std::size_t n, std::chrono::milliseconds timeout);
    [[nodiscard]] std::size_t cuts_made() const { return made_; }
    // Bytes forwarded so far, both directions (what a cut dropped in the forwarder's own
    // buffers or socket queues is not counted).
    [[nodiscard]] std::uint64_t forwarded() const { return forwarded_; }
    [[nodiscard]] std::size_t connections() const { return accepted_; }

  private:
    struct link;
    void accept_loop();
    void pump(link& l);
    // How the connection must be cut now that `n` more bytes crossed it, if at all.
    bool cut_due(std::uint64_t n, how& kind);
    void note_cut();

    int listener_ = -1;
    int stop_event_ = -1;  // an eventfd: readable once the destructor runs
    std::uint16_t port_ = 0;
    std::uint16_t upstream_port_;
    std::vector<cut> cuts_;
    std::size_t next_cut_ = 0;  // under mutex_
    std::mutex mutex_;
    std::condition_variable cut_made_;
    std::atomic<std::size_t> made_{0};
    std::atomic<std::uint64_t> forwarded_{0};
    std::atomic<std::size_t> accepted_{0};
    std::vector<std::unique_ptr<link>> links_;  // under mutex_
    std::vector<std::thread> threads_;          // the acceptor's
    std::thread acceptor_;
};

}  // namespace ferry::test
