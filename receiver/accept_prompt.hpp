#pragma once

#include <chrono>
#include <string>

#include "common/net/asio.hpp"
#include "common/session/record_channel.hpp"

namespace ferry::receiver {

struct prompt_limits {
    // How often a KEEPALIVE goes to the sender while the person decides: well under any relay's
    // idle limit (the default is 5 min; docs/relay-operations.md asks for 30 s at least).
    std::chrono::milliseconds keepalive_every{std::chrono::seconds(15)};
    // How long the question waits for an answer before it counts as a no.
    std::chrono::milliseconds answer_within{std::chrono::minutes(30)};
};

enum class answer { yes, no, no_answer };

// The Accept? question on the terminal (stdin), read without blocking the io thread. While it
// waits it keeps the pair alive with KEEPALIVE records and watches the connection: the sender
// going away, or the relay closing the pair, ends the question at once (cut_off is thrown).
class accept_prompt {
  public:
    accept_prompt(record_channel& channel, prompt_limits limits);

    awaitable<answer> ask(const std::string& question);

  private:
    enum class event { none, terminal, sender, tick };

    awaitable<void> wait_terminal(asio::posix::stream_descriptor& terminal);
    awaitable<void> sender_or_tick(clock::duration d);
    awaitable<void> wait_sender();
    awaitable<void> tick(clock::duration d);
    // Reads what the terminal has; true once a whole line (or the end of input) is in line_.
    bool read_terminal(int fd);
    awaitable<void> sender_spoke();

    record_channel& channel_;
    prompt_limits limits_;
    event event_ = event::none;
    std::string line_;
    bool input_ended_ = false;
};

}  // namespace ferry::receiver
