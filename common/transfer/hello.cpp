#include "common/transfer/hello.hpp"

#include <fmt/format.h>

#include "common/transfer/message_channel.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry::transfer {

namespace {

struct feature_text {
    feature f;
    const char* what;   // after "cannot"
    const char* since;  // the first ferry that has it
};

constexpr feature_text feature_texts[] = {
    {feature::single_file, "receive a single file", "0.2"},
    {feature::stream, "receive a stream of unknown size", "0.2"},
    {feature::text, "receive a text", "0.2"},
    {feature::tree, "receive several files or folders", "0.3"},
    {feature::compress, "receive compressed data", "0.4"},
    {feature::resume, "resume a transfer", "0.5"},
    {feature::reconnect, "reconnect a transfer", "0.6"},
    {feature::tree_resume, "resume a transfer of files and folders", "0.7"},
};

const char* role_text(peer_role peer) {
    return peer == peer_role::sender ? "sender" : "receiver";
}

std::uint64_t bit(feature f) {
    return static_cast<std::uint64_t>(f);
}

}  // namespace

msg::hello our_hello() {
    return msg::hello{protocol_version,
                      bit(feature::single_file) | bit(feature::stream) | bit(feature::text) |
                          bit(feature::tree) | bit(feature::compress) | bit(feature::resume) |
                          bit(feature::reconnect) | bit(feature::tree_resume) |
                          bit(feature::share) | bit(feature::keepalive),
                      FERRY_VERSION};
}

awaitable<msg::hello> exchange_hello(record_channel& channel, peer_role peer, bool reconnects) {
    auto hello = our_hello();
    if (!reconnects) hello.features &= ~(bit(feature::reconnect) | bit(feature::keepalive));
    const msg::message ours = hello;
    co_await send_message(channel, ours);
    const auto theirs = co_await receive_message(channel);
    if (std::holds_alternative<msg::offer>(theirs)) {
        throw failure(exit_code::network,
                      fmt::format("the {} runs ferry 0.1, which cannot talk to ferry {}; both "
                                  "sides need ferry 0.2 or later",
                                  role_text(peer), FERRY_VERSION));
    }
    const auto* h = std::get_if<msg::hello>(&theirs);
    if (h == nullptr) throw wire_error("the first message after the key exchange is not HELLO");
    if (h->version < protocol_version) {
        throw failure(exit_code::network,
                      fmt::format("the {} speaks transfer protocol {}, ferry {} needs {} or later",
                                  role_text(peer), h->version, FERRY_VERSION, protocol_version));
    }
    co_return *h;
}

bool has(const msg::hello& h, feature f) {
    return (h.features & bit(f)) != 0;
}

void require(const msg::hello& peer_hello, feature f, peer_role peer) {
    if (has(peer_hello, f) && has(our_hello(), f)) return;
    const char* what = "do this";
    const char* since = FERRY_VERSION;
    for (const auto& t : feature_texts) {
        if (t.f == f) {
            what = t.what;
            since = t.since;
        }
    }
    throw failure(exit_code::peer,
                  fmt::format("the {} runs ferry {}, which cannot {}; it needs ferry {} or later",
                              role_text(peer), printable(peer_hello.software), what, since));
}

}  // namespace ferry::transfer
