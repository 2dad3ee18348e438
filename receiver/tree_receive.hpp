#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "common/session/record_channel.hpp"
#include "common/transfer/message.hpp"
#include "receiver/partial_tree.hpp"
#include "receiver/receiver.hpp"
#include "receiver/staging_tree.hpp"

namespace ferry::receiver {

// A tree offer, once read: its names, a folder to write into, the free space; the answer
// (ACCEPT, or RESUME_TREE with what an earlier try left here); then the transfer
// (tree_transfer). It owns where the tree is written meanwhile: the staging folder, or the
// partial tree of a transfer that can be resumed.
class tree_receive {
  public:
    tree_receive(record_channel& channel, const options& opts, deadline& activity,
                 const msg::offer& offer, kept_partial& kept);

    // The items' names and the free space, refused when wrong; `sender_resumes_trees`: the
    // sender announced the resume feature of a tree, so it is received through a partial_tree
    // (made here).
    awaitable<void> check(bool sender_resumes_trees);
    // The Accept? question, with what an earlier try left here.
    [[nodiscard]] std::string question() const;
    // Once accepted: the tree, checked and saved.
    awaitable<void> run();

  private:
    awaitable<void> check_names();
    awaitable<void> check_space();
    awaitable<void> open_staging();
    awaitable<void> open_partial_tree();
    // ACCEPT, or RESUME_TREE and the kept entries' values when an earlier try left some; returns
    // the entry the sender's records start at.
    awaitable<std::size_t> answer();
    awaitable<std::size_t> resume();
    void print_resumed(std::size_t from, std::size_t kept) const;
    awaitable<void> receive();
    awaitable<std::vector<std::string>> transfer_tree();

    record_channel& channel_;
    const options& opts_;
    deadline& activity_;
    const msg::offer& offer_;
    kept_partial& kept_;
    std::vector<std::string> names_;  // where each item goes, as far as known now
    std::unique_ptr<staging_tree> staging_;
    std::unique_ptr<partial_tree> partial_;
};

}  // namespace ferry::receiver
