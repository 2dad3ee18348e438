#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/crypto/sha256.hpp"
#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "common/session/record_channel.hpp"
#include "common/transfer/message.hpp"
#include "receiver/inflater.hpp"
#include "receiver/partial_file.hpp"
#include "receiver/receiver.hpp"
#include "receiver/sink.hpp"

namespace ferry::receiver {

class stdout_sink;

// A file, stream or text offer, once read: its checks (name, free space), the answer (ACCEPT,
// or RESUME when part of it is here from an earlier try), the data into a sink, the hash check,
// the final name, VERIFIED. It owns the sink's side of the transfer: the partial file, the
// bytes received, what went to standard output.
class file_receive {
  public:
    file_receive(record_channel& channel, const options& opts, deadline& activity,
                 const msg::offer& offer, kept_partial& kept);

    // The name and the free space, refused when wrong; `sender_resumes`: the sender announced
    // the resume feature, so the file is received through a partial_file (made here).
    awaitable<void> check(bool sender_resumes);
    // The Accept? question, with what an earlier try left here.
    [[nodiscard]] std::string question() const;
    // Once accepted: the data, checked and saved. A failure of this side's own (a full disk) is
    // told to the sender (ABORT) before it is thrown.
    awaitable<void> run();

  private:
    // The sink, or a refusal the sender hears about (a folder we cannot write to).
    awaitable<std::unique_ptr<sink>> open_sink();
    awaitable<void> open_partial();
    // The answer to the offer: ACCEPT, or RESUME when part of it is here from an earlier try.
    awaitable<void> answer();
    awaitable<void> answer_resume();
    void print_resumed(std::uint64_t kept) const;
    // Streams the DATA and ZDATA records into `out` until DONE; checks the hash, names the result,
    // confirms. Returns the name it was saved under.
    awaitable<std::string> receive_data(sink& out);
    bool take_data(sink& out, std::unique_ptr<inflater>& unpack, byte_span payload);
    awaitable<std::string> on_done(sink& out, const msg::done& d);
    [[nodiscard]] std::string keep_text() const;
    [[nodiscard]] bool is_text() const;
    [[nodiscard]] bool is_stream() const;

    record_channel& channel_;
    const options& opts_;
    deadline& activity_;
    const msg::offer& offer_;
    kept_partial& kept_;
    std::string name_;  // the offered name, or the first free name after it
    std::unique_ptr<partial_file> partial_;
    std::uint64_t received_ = 0;
    sha256_digest verified_{};       // once checked
    stdout_sink* stdout_ = nullptr;  // --stdout: the sink, for what it wrote before a cut
};

}  // namespace ferry::receiver
