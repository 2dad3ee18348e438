#pragma once

#include <functional>

#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "common/session/code.hpp"
#include "sender/sender.hpp"
#include "sender/source.hpp"

namespace ferry::sender {

struct rendezvous {
    tcp::socket socket;  // paired with the receiver's through the relay
    code c;
};

// LAN mode: how a receiver finds this computer (the announcement, else the addresses to pass
// to --relay), on standard output.
void show_lan_hints(const options& opts, const code& c);

// The first step of a send: connects to the relay, gets a nameplate, shows the code (and, in
// LAN mode, how to reach this computer, while announcing it), and waits for the receiver.
awaitable<rendezvous> meet_receiver(const options& opts, const source& what, deadline& activity);

// After a receiver declined: a new connection to the relay, the same nameplate again (REOPEN),
// and the wait for the next receiver with the same code. Throws failure(peer) if the relay
// cannot keep the nameplate. `waiting` is called once the relay holds the nameplate again.
awaitable<rendezvous> wait_again(const options& opts, code c, deadline& activity,
                                 const std::function<void()>& waiting);

}  // namespace ferry::sender
