#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/sha256.hpp"
#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "common/session/record_channel.hpp"
#include "common/transfer/message.hpp"
#include "receiver/inflater.hpp"
#include "receiver/partial_file.hpp"
#include "receiver/partial_tree.hpp"
#include "receiver/receiver.hpp"
#include "receiver/sink.hpp"
#include "receiver/staging_tree.hpp"

namespace ferry::receiver {

class stdout_sink;

// The transfer of one offer over a keyed channel: the OFFER and its checks (name, free space),
// the person's answer, the data into a sink, the hash check, the final name, VERIFIED. It owns
// the transfer's state.
class receive_session {
  public:
    // `sender_resumes`, `sender_resumes_trees`: the sender announced the resume features of a
    // file and of a tree. `kept` is told what an interrupted transfer left for the next try.
    receive_session(record_channel& channel, const options& opts, deadline& activity,
                    bool sender_resumes, bool sender_resumes_trees, kept_partial& kept);

    awaitable<void> run();

  private:
    // The OFFER, after asking a share for it (SHARED, WANT); false once a share was listed.
    awaitable<bool> read_offer();
    awaitable<msg::message> ask_share();
    awaitable<void> list_share();
    awaitable<void> check_offer();
    // Asks the person, unless --yes or there is no terminal to ask on; returns only on a yes.
    awaitable<void> decide();
    // The sink, or a refusal the sender hears about (a folder we cannot write to).
    awaitable<std::unique_ptr<sink>> open_sink();
    // The answer to a file offer: ACCEPT, or RESUME when part of it is here from an earlier try.
    awaitable<void> answer_file();
    awaitable<void> answer_resume();
    awaitable<msg::message> sender_answer();
    // Runs `step` until it says done, letting the loop in between and telling the sender every
    // 15 s that this side is still here.
    awaitable<void> in_steps(const std::function<bool()>& step);
    // A file that can be resumed later is received through a partial_file (made here).
    awaitable<void> open_partial();
    awaitable<void> open_or_refuse(const std::function<void()>& open);
    [[nodiscard]] std::string keep_text() const;
    // Streams the DATA and ZDATA records into `out` until DONE; checks the hash, names the result,
    // confirms. Returns the name it was saved under.
    awaitable<std::string> receive_data(sink& out);
    bool take_data(sink& out, std::unique_ptr<inflater>& unpack, byte_span payload);
    awaitable<std::string> on_done(sink& out, const msg::done& d);
    awaitable<void> refuse(msg::reason why, std::string_view text);
    // A tree offer: its names, a folder to write into, the free space; then the transfer.
    awaitable<void> check_tree_offer();
    awaitable<void> open_staging();
    awaitable<void> open_partial_tree();
    // ACCEPT, or RESUME_TREE and the kept entries' values when an earlier try left some; returns
    // the entry the sender's records start at.
    awaitable<std::size_t> answer_tree();
    awaitable<std::size_t> resume_tree();
    awaitable<void> receive_tree();
    awaitable<std::vector<std::string>> run_tree();
    void print_saved(const std::vector<std::string>& names) const;
    [[nodiscard]] bool is_tree() const;
    [[nodiscard]] bool is_text() const;
    [[nodiscard]] bool is_stream() const;
    [[nodiscard]] std::string where() const;  // "./" or "standard output"

    record_channel& channel_;
    const options& opts_;
    deadline& activity_;
    msg::offer offer_;
    std::string name_;                // the offered name, or the first free name after it
    std::vector<std::string> names_;  // a tree's: where each item goes, as far as known now
    std::unique_ptr<staging_tree> staging_;
    bool sender_resumes_;
    bool sender_resumes_trees_;
    kept_partial& kept_;
    std::unique_ptr<partial_file> partial_;
    std::unique_ptr<partial_tree> partial_tree_;
    std::uint64_t received_ = 0;
    sha256_digest verified_{};       // a file's, stream's or text's, once checked
    stdout_sink* stdout_ = nullptr;  // --stdout: the sink, for what it wrote before a cut
};

}  // namespace ferry::receiver
