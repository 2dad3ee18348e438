#pragma once

#include "common/transfer/message.hpp"
#include "common/wire/bytes.hpp"

namespace ferry::transfer {

// What a resuming receiver says of one entry it kept, and what the sender computes for its own
// (docs/protocol.md §3.5): SHA-256("ferry/1 kept entry" || ENTRY || digest). `entry_wire` is the
// encoded ENTRY message; `file_digest` the SHA-256 of a file's bytes, 32 zero bytes otherwise.
// Equal values mean the same path, type, mode, time, size and bytes.
msg::digest kept_value(byte_span entry_wire, const msg::digest& file_digest);

}  // namespace ferry::transfer
