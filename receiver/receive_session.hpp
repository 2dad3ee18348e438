#pragma once

#include <memory>

#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "common/session/record_channel.hpp"
#include "common/transfer/message.hpp"
#include "receiver/file_receive.hpp"
#include "receiver/receiver.hpp"
#include "receiver/tree_receive.hpp"

namespace ferry::receiver {

// The transfer of one offer over a keyed channel: the OFFER (asked of a share first, when the
// code is a share's), its checks, the person's answer, then the data: a file, stream or text
// (file_receive) or a tree (tree_receive). It owns the conversation and the offer.
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
    awaitable<void> check_offer();
    // Asks the person, unless --yes or there is no terminal to ask on; returns only on a yes.
    awaitable<void> decide();
    [[nodiscard]] bool is_tree() const;
    [[nodiscard]] bool is_text() const;

    record_channel& channel_;
    const options& opts_;
    deadline& activity_;
    msg::offer offer_;
    bool sender_resumes_;
    bool sender_resumes_trees_;
    kept_partial& kept_;
    std::unique_ptr<file_receive> file_;
    std::unique_ptr<tree_receive> tree_;
};

}  // namespace ferry::receiver
