#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/net/asio.hpp"
#include "common/session/record_channel.hpp"

namespace ferry::test {

// A receiver written by the test: claims the code's nameplate on the relay at 127.0.0.1:port,
// runs the key exchange, then hands the keyed channel to `play` (which does the rest, HELLO
// included or not). Rethrows what `play` throws.
void run_fake_receiver(std::uint16_t relay_port, const std::string& code_text,
                       const std::function<awaitable<void>(record_channel&)>& play);

// A receiver whose HELLO announces `features` (software "9.9.9"), then reads until the sender
// closes, or until an OFFER comes (then it closes); true if one did (the sender went ahead).
bool receiver_announcing(std::uint16_t relay_port, const std::string& code_text,
                         std::uint64_t features);

}  // namespace ferry::test
