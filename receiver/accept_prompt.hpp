#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

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

// no_answer: none within the time limit; no_input: standard input (not a terminal) ended
// without a y or n.
enum class answer { yes, no, no_answer, no_input };

// The answer to a line: y/yes or n/no, any case, blanks around ignored; anything else (an Enter
// alone) is no answer yet.
enum class line_answer { yes, no, unclear };
line_answer classify_answer(std::string_view line);

// The Accept? question, answered on standard input: a terminal (asked again after an Enter
// alone or an unclear line) or an answer piped in ("echo y | ferry receive CODE"), read without
// blocking the io thread. While it waits it keeps the pair alive with KEEPALIVE records and
// watches the connection: the sender going away, or the relay closing the pair, ends the
// question at once (cut_off is thrown).
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
    // Reads what standard input has; true once a line answered (said_) or the input ended.
    bool read_terminal(int fd);
    bool take_lines();
    awaitable<void> sender_spoke();

    record_channel& channel_;
    prompt_limits limits_;
    event event_ = event::none;
    std::string line_;  // what came after the last whole line
    std::optional<line_answer> said_;
    bool input_ended_ = false;
    bool terminal_ = false;
    bool pollable_ = true;        // a terminal, pipe or socket (epoll can wait for it)
    std::size_t read_total_ = 0;  // bytes of an input that is not a terminal
};

}  // namespace ferry::receiver
