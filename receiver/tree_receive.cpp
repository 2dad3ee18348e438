#include "receiver/tree_receive.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "common/transfer/kept_entry.hpp"
#include "common/transfer/last_words.hpp"
#include "common/transfer/message_channel.hpp"
#include "common/transfer/safe_name.hpp"
#include "common/transfer/tree_summary.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "common/wire/wire_error.hpp"
#include "receiver/cut_off.hpp"
#include "receiver/offer_replies.hpp"
#include "receiver/offer_text.hpp"
#include "receiver/tree_transfer.hpp"

namespace ferry::receiver {

tree_receive::tree_receive(record_channel& channel, const options& opts, deadline& activity,
                           const msg::offer& offer, kept_partial& kept)
    : channel_(channel), opts_(opts), activity_(activity), offer_(offer), kept_(kept) {}

awaitable<void> tree_receive::check(bool sender_resumes_trees) {
    co_await check_names();
    if (sender_resumes_trees) co_await open_partial_tree();
    co_await check_space();
}

awaitable<void> tree_receive::check_names() {
    const auto what =
        fmt::format("{} ({})", transfer::items_label(offer_), transfer::tree_totals(offer_));
    if (opts_.to_stdout) {
        co_await refuse(channel_, msg::reason::unsupported,
                        "files and folders cannot go to standard output");
        throw failure(exit_code::usage,
                      fmt::format("refused {}: files and folders cannot be written to standard "
                                  "output; receive them into a folder (-o DIR, without --stdout)",
                                  what));
    }
    for (const auto& item : offer_.items) {
        auto why = unsafe_item_name_reason(item.name);
        if (!why && std::count_if(offer_.items.begin(), offer_.items.end(),
                                  [&](const auto& i) { return i.name == item.name; }) > 1) {
            why = "two items have this name";
        }
        if (why) {
            const auto text = fmt::format("'{}': {}", printable(item.name), *why);
            co_await refuse(channel_, msg::reason::bad_name, text);
            throw failure(exit_code::network, fmt::format("refused {}: {}", what, text));
        }
        names_.push_back(first_free_item_name(opts_.output_dir, item.name, item.type));
    }
}

awaitable<void> tree_receive::check_space() {
    std::optional<failure> no_room;
    try {
        check_tree_space(opts_.output_dir, offer_, partial_ ? partial_->kept_bytes() : 0);
    } catch (const failure& f) {
        no_room = f;
    }
    if (no_room) {
        const std::string_view all = no_room->what();  // "...: 1.2 GiB needed, 800 MiB free"
        const auto text = std::string(all.substr(all.rfind(": ") + 2));
        co_await refuse(channel_, msg::reason::no_space, text);
        throw *no_room;
    }
}

std::string tree_receive::question() const {
    return tree_question(offer_, names_, where_to(opts_), partial_ ? partial_->kept_bytes() : 0);
}

awaitable<void> tree_receive::open_partial_tree() {
    const std::function<void()> open = [this] {
        partial_ = std::make_unique<partial_tree>(opts_.output_dir, offer_, !opts_.resume, kept_);
    };
    // Named (docs/architecture.md, GCC 12 and co_await).
    co_await open_or_refuse(channel_, open);
}

awaitable<void> tree_receive::open_staging() {
    if (partial_) co_return;  // it stages the tree itself
    const std::function<void()> open = [this] {
        staging_ = std::make_unique<staging_tree>(opts_.output_dir);
    };
    // Named (docs/architecture.md, GCC 12 and co_await).
    co_await open_or_refuse(channel_, open);
}

awaitable<std::size_t> tree_receive::answer() {
    if (partial_ && partial_->kept() > 0) {
        const std::function<bool()> step = [this] { return partial_->verify_step(); };
        // Named (docs/architecture.md, GCC 12 and co_await).
        co_await in_steps(channel_, activity_, opts_.prompt.keepalive_every, step);
    }
    if (partial_ && partial_->kept() > 0) {
        const auto from = co_await resume();
        co_return from;
    }
    if (partial_) partial_->start(0);
    const msg::message accept = msg::accept{};
    co_await send_message(channel_, accept);
    co_return 0;
}

// RESUME_TREE and a value for each kept entry; the sender checks them against its own files and
// answers where its records start: after them, or at the first that changed since.
awaitable<std::size_t> tree_receive::resume() {
    const auto kept = partial_->kept();
    const msg::message ask = msg::resume_tree{static_cast<std::uint32_t>(kept)};
    co_await send_message(channel_, ask);
    for (std::size_t at = 0; at < kept;) {
        msg::tree_kept values;
        for (; at < kept && values.values.size() < msg::max_kept_per_record; ++at) {
            const auto& e = partial_->kept_entry(at);
            values.values.push_back(transfer::kept_value(e.wire, e.sha256));
        }
        const msg::message m = std::move(values);
        co_await send_message(channel_, m);
    }
    const auto answer = co_await sender_answer(channel_);
    const auto* from = std::get_if<msg::tree_from>(&answer);
    if (from == nullptr) {
        throw wire_error("the sender answered RESUME_TREE with something unexpected");
    }
    if (from->entries > kept) {
        throw wire_error(
            fmt::format("the sender resumes at entry {}, past the {} kept", from->entries, kept));
    }
    partial_->start(from->entries);
    if (!opts_.quiet) print_resumed(from->entries, kept);
    co_return from->entries;
}

void tree_receive::print_resumed(std::size_t from, std::size_t kept) const {
    const auto bytes = partial_->kept_bytes(from);
    if (from == kept) {
        fmt::print(stderr, "Resuming: {} ({}) were already here (checked by the sender)\n",
                   plural(kept, "entry", "entries"), format_size(bytes));
    } else {
        fmt::print(stderr,
                   "Resuming: {} of the {} kept here match the sender's files ({}); the rest "
                   "changed since and comes again\n",
                   grouped(from), plural(kept, "entry", "entries"), format_size(bytes));
    }
}

awaitable<void> tree_receive::run() {
    co_await open_staging();
    co_await receive();
}

// Any failure of the receiver's own is told to the sender (an ABORT) before it ends the
// command. What was received goes with it, but a resumable tree keeps what it wrote whole when
// the cause is local (a full disk): the data is not wrong.
awaitable<void> tree_receive::receive() {
    std::optional<failure> stopped;
    try {
        const auto names = co_await transfer_tree();
        if (!opts_.quiet) print_tree_saved(opts_, offer_, names);
        co_return;
    } catch (const cut_off& e) {
        partial_.reset();  // keeps what came, and says so in kept_
        if (kept_.folder.empty()) throw cut_off(e, e.progress + "; nothing was saved");
        throw;
    } catch (const failure& f) {
        if (f.code() == exit_code::peer) throw;  // the sender stopped: nothing to tell it
        stopped = f;
    } catch (const wire_error& e) {  // a record the codec refuses
        stopped = failure(exit_code::network, fmt::format("protocol error: {}", e.what()));
    }
    if (partial_ && stopped->code() != exit_code::local_io) partial_->discard();
    staging_.reset();  // removes what was received before the sender hears of it
    partial_.reset();
    const auto why =
        stopped->code() == exit_code::local_io ? msg::reason::local_io : msg::reason::protocol;
    const auto text =
        why == msg::reason::local_io ? for_the_sender(*stopped) : std::string(stopped->what());
    const msg::abort abort{why, text};
    co_await transfer::last_words(channel_, abort);
    throw *stopped;
}

awaitable<std::vector<std::string>> tree_receive::transfer_tree() {
    const auto from = co_await answer();
    if (!opts_.quiet) {
        fmt::print(stderr, "Receiving {}: {} into {}\n", transfer::items_label(offer_),
                   transfer::tree_totals(offer_), where_to(opts_));
    }
    auto& staging = partial_ ? partial_->staging() : *staging_;
    tree_transfer transfer(channel_, opts_, offer_, staging, partial_.get());
    transfer.resume_after(from);
    auto names = co_await transfer.run();
    channel_.end_session();
    staging_.reset();
    co_return names;
}

}  // namespace ferry::receiver
