#include "sender/session_setup.hpp"

#include <fmt/format.h>

#include "common/net/relay_client.hpp"
#include "common/transfer/hello.hpp"
#include "common/transfer/reconnect_notice.hpp"
#include "common/ui/text.hpp"

namespace ferry::sender {

int compression_for(const options& opts, const msg::hello& peer, const source& what) {
    if (opts.compress == compress_off || what.needs() == transfer::feature::text) {
        return compress_off;
    }
    if (transfer::has(peer, transfer::feature::compress)) return opts.compress;
    if (opts.compress != compress_auto && !opts.quiet) {
        fmt::print(stderr,
                   "ferry: the receiver runs ferry {}, which cannot receive compressed data; "
                   "sending uncompressed\n",
                   printable(peer.software));
    }
    return compress_off;
}

void plan_reconnects(record_channel& channel, const options& opts, const msg::hello& peer,
                     std::size_t window, std::chrono::milliseconds bye_within) {
    if (opts.reconnect_for.count() == 0 || !transfer::has(peer, transfer::feature::reconnect)) {
        return;
    }
    reconnect_plan plan;
    plan.as_sender = true;
    plan.within = opts.reconnect_for;
    plan.stall_after = opts.stall_timeout;
    plan.peer_keeps_alive = transfer::has(peer, transfer::feature::keepalive);
    plan.window = window;
    plan.bye_within = bye_within;
    plan.connect = [relay = opts.relay](const rendezvous_id& id, clock::duration left) {
        return reconnect_via(relay, id, true, left);
    };
    transfer::tell_reconnects(plan, opts.quiet);
    channel.enable_reconnect(std::move(plan));
}

}  // namespace ferry::sender
