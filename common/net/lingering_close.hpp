#pragma once

#include "common/net/deadline.hpp"
#include "common/wire/bytes.hpp"

namespace ferry {

// The graceful end of a connection, on the way out (a destructor: the thread waits): `last`
// (the rest of what was sealed, a BYE) is sent, then the sending direction shut and what the
// peer still sends read and dropped until it closes too, all by `until` at the latest. The
// descriptor stays open: its owner closes it.
void send_and_linger(int fd, byte_span last, clock::time_point until);

}  // namespace ferry
