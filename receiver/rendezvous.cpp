#include "receiver/rendezvous.hpp"

#include <fmt/format.h>

#include "common/net/phases.hpp"
#include "common/net/relay_client.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/units.hpp"
#include "receiver/lan_finder.hpp"

namespace ferry::receiver {

namespace {

// The relay given, or in LAN mode the sender's own relay, found by its announcement.
awaitable<tcp::socket> connect_to_relay(const options& opts, const code& c) {
    if (!opts.lan) co_return co_await connect_relay(opts.relay, phases::connect_within);
    if (!opts.quiet) {
        fmt::print(stderr, "Looking for the sender of nameplate {} on this network...\n",
                   c.nameplate);
    }
    const auto found = co_await find_sender_on_lan(c.nameplate, opts.lan_timeout);
    if (!found) {
        throw failure(
            exit_code::no_sender,
            fmt::format("no sender with nameplate {} answered on this network within {}. Are both "
                        "computers on the same network? Some networks (guest Wi-Fi, VPNs) block "
                        "multicast: then run the command the sender printed after \"If it finds "
                        "nothing (multicast blocked)\", or use a relay with --relay",
                        c.nameplate, format_duration(opts.lan_timeout)));
    }
    co_return co_await connect_endpoint(*found, phases::connect_within);
}

}  // namespace

awaitable<tcp::socket> meet_sender(const options& opts, const code& c, deadline& activity) {
    activity.enter(phases::relay_hello);
    auto socket = co_await connect_to_relay(opts, c);
    co_await claim_nameplate(socket, c.nameplate);
    co_return socket;
}

}  // namespace ferry::receiver
