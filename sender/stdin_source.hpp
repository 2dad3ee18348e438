#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "common/net/asio.hpp"
#include "sender/background_reader.hpp"
#include "sender/source.hpp"

namespace ferry::sender {

// Standard input of unknown length (ferry send -), offered as a stream named "stdin" and read
// until its end. A pipe, FIFO or terminal is read through the io_context (a duplicate of the
// descriptor), so that Ctrl-C, the watchdog or the receiver's ABORT cancel a read that waits for
// a slow producer; a regular file (`< file`), which epoll cannot wait on and which never waits
// long, is read by a thread of its own. Either way straight into the record buffer. It must be
// destroyed before the io_context it reads with (make it inside the client's coroutine).
class stdin_source final : public source {
  public:
    stdin_source();
    ~stdin_source() override;
    stdin_source(const stdin_source&) = delete;
    stdin_source& operator=(const stdin_source&) = delete;

    [[nodiscard]] msg::offer offer() const override;
    [[nodiscard]] transfer::feature needs() const override { return transfer::feature::stream; }
    [[nodiscard]] const std::string& name() const override { return name_; }
    [[nodiscard]] std::string describe() const override { return "standard input"; }
    [[nodiscard]] std::uint64_t size() const override { return 0; }
    [[nodiscard]] bool known_size() const override { return false; }
    awaitable<std::size_t> read_async(mutable_byte_span into) override;

  private:
    awaitable<std::size_t> read_pollable(mutable_byte_span into);

    std::string name_ = "stdin";
    bool regular_file_ = false;
    int flags_ = -1;  // stdin's file status flags, put back at the end (Asio sets O_NONBLOCK)
    std::unique_ptr<background_reader> reader_;           // a regular file
    std::optional<asio::posix::stream_descriptor> pipe_;  // anything else, made on first read
};

}  // namespace ferry::sender
