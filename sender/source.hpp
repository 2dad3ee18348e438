#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/net/asio.hpp"
#include "common/transfer/hello.hpp"
#include "common/transfer/message.hpp"
#include "common/wire/bytes.hpp"

namespace ferry::sender {

class tree_source;

// What a sender offers and streams: a regular file (file_source), standard input
// (stdin_source), a text (text_source), or files and folders (tree_source, which streams whole
// records instead of bytes: as_tree()).
class source {
  public:
    virtual ~source() = default;

    // The OFFER that describes it.
    [[nodiscard]] virtual msg::offer offer() const = 0;
    // The feature the receiver must announce to take it.
    [[nodiscard]] virtual transfer::feature needs() const = 0;
    // A name to show people (not yet made printable), the progress bar's label.
    [[nodiscard]] virtual const std::string& name() const = 0;
    // What it is, for "Sending ..." and "Sent ...": "'report.pdf' (12.4 MiB)", printable.
    [[nodiscard]] virtual std::string describe() const = 0;
    [[nodiscard]] virtual std::uint64_t size() const = 0;
    // False for a stream (standard input): size() is 0 and read_async() says when it ends.
    [[nodiscard]] virtual bool known_size() const { return true; }
    // Fills as much of `into` as there is left (0: the end), without blocking the io thread;
    // failure (local_io) if it cannot be read, or changed while being sent. One read at a time.
    virtual awaitable<std::size_t> read_async(mutable_byte_span into) = 0;
    // Reads from the start again (a resume whose prefix did not match); false if it cannot.
    virtual bool rewind() { return false; }
    // Whether a receiver may resume it (RESUME): a file, whose bytes can be read again.
    [[nodiscard]] virtual bool resumable() const { return false; }
    // Itself if it is a tree, sent record by record.
    virtual tree_source* as_tree() { return nullptr; }
};

}  // namespace ferry::sender
