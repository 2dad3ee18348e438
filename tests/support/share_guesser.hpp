#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/net/asio.hpp"

namespace ferry::test {

// A guesser written by the test: many key exchanges with one share at once, each from a local
// address of its choice (any 127.x.y.z), each held right before its key confirmation until the
// test confirms it. Single-threaded: its io runs only inside the wait_* calls.
class share_guesser {
  public:
    // How a confirmation was answered: the share's own confirmation (it compared it and the code
    // matched), the connection closed (a wrong code, or refused uncompared), or not yet.
    enum class answer { none, confirmed, closed };

    share_guesser(std::uint16_t relay_port, const std::string& code_text);
    ~share_guesser();
    share_guesser(const share_guesser&) = delete;
    share_guesser& operator=(const share_guesser&) = delete;

    // Claims the share's nameplate from `local_ip` and starts a key exchange with the right code
    // or a wrong one; its index.
    std::size_t open(const std::string& local_ip, bool right);
    // Runs until `n` exchanges hold the share's key exchange message; false if not within.
    bool wait_held(std::size_t n, std::chrono::milliseconds within);
    [[nodiscard]] std::size_t held() const;
    [[nodiscard]] bool is_held(std::size_t i) const;
    // Sends exchange i's confirmation (it must be held).
    void confirm(std::size_t i);
    // Runs until every confirmed exchange has its answer; false if not within.
    bool wait_answers(std::chrono::milliseconds within);
    [[nodiscard]] answer answer_of(std::size_t i) const;

  private:
    struct exchange;
    awaitable<void> run(exchange& e);
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds within);

    asio::io_context io_;
    tcp::endpoint relay_;
    std::uint32_t nameplate_;
    std::vector<std::uint8_t> right_w_;
    std::vector<std::uint8_t> wrong_w_;
    std::vector<std::unique_ptr<exchange>> exchanges_;
};

}  // namespace ferry::test
