#include "receiver/receive_session.hpp"

#include <fmt/format.h>

#include "common/net/phases.hpp"
#include "common/transfer/message_channel.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/units.hpp"
#include "common/wire/wire_error.hpp"
#include "receiver/accept_prompt.hpp"
#include "receiver/offer_replies.hpp"
#include "receiver/offer_text.hpp"
#include "receiver/share_requests.hpp"

namespace ferry::receiver {

namespace {

using namespace std::chrono_literals;

// A text up to this size is shown without the Accept? question (unless --ask).
constexpr std::uint64_t short_text_bytes = 2048;

}  // namespace

receive_session::receive_session(record_channel& channel, const options& opts, deadline& activity,
                                 bool sender_resumes, bool sender_resumes_trees, kept_partial& kept)
    : channel_(channel),
      opts_(opts),
      activity_(activity),
      sender_resumes_(sender_resumes),
      sender_resumes_trees_(sender_resumes_trees),
      kept_(kept) {}

awaitable<void> receive_session::run() {
    // Named (docs/architecture.md, GCC 12 and co_await): used in the condition, it crashed.
    const bool offered = co_await read_offer();
    if (!offered) co_return;
    co_await check_offer();
    co_await decide();
    if (tree_) {
        co_await tree_->run();
    } else {
        co_await file_->run();
    }
}

awaitable<bool> receive_session::read_offer() {
    activity_.enter(phases::data);
    auto first = co_await receive_message(channel_);
    if (std::holds_alternative<msg::shared>(first)) {
        if (opts_.list) {
            co_await list_share(channel_);
            co_return false;
        }
        // Named (docs/architecture.md, GCC 12 and co_await).
        auto offered = co_await ask_share(channel_, opts_);
        first = std::move(offered);
    } else if (opts_.list || !opts_.take.empty()) {
        const auto text = "this code is for a plain transfer, not a share";
        co_await refuse(channel_, msg::reason::unsupported, text);
        throw failure(exit_code::usage,
                      fmt::format("{}: --list and paths after the code work only with a code "
                                  "from `ferry share`",
                                  text));
    }
    auto* offered = std::get_if<msg::offer>(&first);
    if (offered == nullptr) throw wire_error("the sender did not start with an offer");
    offer_ = *offered;
    co_return true;
}

bool receive_session::is_tree() const {
    return offer_.kind == static_cast<std::uint8_t>(msg::offer_kind::tree);
}

bool receive_session::is_text() const {
    return offer_.kind == static_cast<std::uint8_t>(msg::offer_kind::text);
}

awaitable<void> receive_session::check_offer() {
    if (is_tree()) {
        tree_ = std::make_unique<tree_receive>(channel_, opts_, activity_, offer_, kept_);
        co_await tree_->check(sender_resumes_trees_);
    } else {
        file_ = std::make_unique<file_receive>(channel_, opts_, activity_, offer_, kept_);
        co_await file_->check(sender_resumes_);
    }
}

awaitable<void> receive_session::decide() {
    if (opts_.yes) co_return;
    // A short text is shown as it comes (escaped for a terminal): nothing is written.
    if (is_text() && !opts_.ask && offer_.size <= short_text_bytes) co_return;
    // The watchdog waits longer than the question; KEEPALIVEs keep the pair going meanwhile.
    activity_.enter("waiting for your answer", opts_.prompt.answer_within + 1min);
    accept_prompt prompt(channel_, opts_.prompt);
    const auto question = tree_ ? tree_->question() : file_->question();
    const auto said = co_await prompt.ask(question);
    activity_.enter(phases::data);
    if (said == answer::no_answer) {
        const auto waited = format_duration(opts_.prompt.answer_within);
        const auto text = fmt::format("no answer within {}", waited);
        co_await refuse(channel_, msg::reason::declined, text);
        throw failure(exit_code::peer,
                      fmt::format("no answer within {}: the transfer was refused", waited));
    }
    if (said == answer::no_input) {
        co_await refuse(channel_, msg::reason::not_interactive, "");
        throw failure(exit_code::peer,
                      fmt::format("refused {}: there is no terminal to ask on and standard input "
                                  "gave no answer; add --yes to accept without asking, or pipe "
                                  "the answer in (echo y | ferry receive ...)",
                                  describe_offer(offer_)));
    }
    if (said == answer::no) {
        co_await refuse(channel_, msg::reason::declined, "");
        throw failure(exit_code::peer, "you declined the transfer");
    }
}

}  // namespace ferry::receiver
