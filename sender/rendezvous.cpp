#include "sender/rendezvous.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/net/interfaces.hpp"
#include "common/net/phases.hpp"
#include "common/net/race.hpp"
#include "common/net/relay_client.hpp"
#include "common/ui/command_hint.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "sender/lan_announcer.hpp"

namespace ferry::sender {

namespace {

// host:port texts a receiver on this network can pass to --relay: IPv4 and non-link-local IPv6
// addresses (a link-local IPv6 address needs an interface name, so it is left out).
std::vector<std::string> lan_addresses(std::uint16_t port) {
    std::vector<std::string> out;
    for (const auto& i : local_interfaces()) {
        if (i.address.is_v6() && i.address.to_v6().is_link_local()) continue;
        out.push_back(host_port{i.address.to_string(), port}.text());
    }
    return out;
}

}  // namespace

void show_lan_hints(const options& opts, const code& c) {
    const auto width = terminal_columns(stdout);
    fmt::print("LAN mode: no relay, the receiver must be on this network.\n{}",
               layout_hint("On the other computer run:", {"ferry", "receive", c.text()}, width));
    const auto addresses = lan_addresses(opts.lan_port);
    for (const auto& address : addresses) {
        fmt::print("{}", layout_hint("If it finds nothing (multicast blocked):",
                                     {"ferry", "receive", "--relay", address, c.text()}, width));
    }
    if (addresses.empty()) {
        fmt::print("{}", layout_hint("This computer has no network address but loopback: only a "
                                     "receiver on this computer can reach it:",
                                     {"ferry", "receive", "--relay",
                                      host_port{"127.0.0.1", opts.lan_port}.text(), c.text()},
                                     width));
    }
}

namespace {

void show_code(const options& opts, const source& what, const code& c) {
    if (opts.quiet) {
        fmt::print("{}\n", c.text());
    } else {
        const auto width = terminal_columns(stdout);
        fmt::print("{}",
                   layout_code_line(fmt::format("Sending {}.", what.describe()), c.text(), width));
        if (opts.lan) {
            show_lan_hints(opts, c);
        } else {
            fmt::print(
                "{}",
                layout_hint("On the other computer run:",
                            {"ferry", "receive", "--relay", opts.relay.text(), c.text()}, width));
        }
    }
    std::fflush(stdout);
}

}  // namespace

awaitable<rendezvous> meet_receiver(const options& opts, const source& what, deadline& activity) {
    activity.enter(phases::relay_hello);
    auto socket = co_await connect_relay(opts.relay, phases::connect_within);
    const auto nameplate = co_await allocate_nameplate(socket);
    auto c = generate_code(nameplate, opts.code_words);
    show_code(opts, what, c);
    activity.enter(phases::waiting_for_peer);
    if (opts.lan) {
        co_await race(wait_paired(socket), announce_on_lan(nameplate, opts.lan_port));
    } else {
        co_await wait_paired(socket);
    }
    co_return rendezvous{std::move(socket), std::move(c)};
}

awaitable<rendezvous> wait_again(const options& opts, code c, deadline& activity,
                                 const std::function<void()>& waiting) {
    activity.enter(phases::relay_hello);
    auto socket = co_await connect_relay(opts.relay, phases::connect_within);
    co_await reopen_nameplate(socket, c.nameplate);
    waiting();
    activity.enter(phases::waiting_for_peer);
    if (opts.lan) {
        co_await race(wait_paired(socket), announce_on_lan(c.nameplate, opts.lan_port));
    } else {
        co_await wait_paired(socket);
    }
    co_return rendezvous{std::move(socket), std::move(c)};
}

}  // namespace ferry::sender
