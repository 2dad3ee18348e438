#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/transfer/message.hpp"
#include "common/wire/bytes.hpp"

// The state file of a partial transfer: which transfer its data belongs to and how much of it
// is known to be on the disk. No keys, no code, nothing from the session: a transfer resumes
// under a new code, and the sender checks the data itself (RESUME's prefix digest).
namespace ferry::receiver {

// SHA-256 of "ferry/1 partial" and the OFFER's bytes: the same file offered again (same name,
// same size) has the same id, anything else another.
using transfer_id = std::array<std::uint8_t, 32>;
transfer_id transfer_id_of(const msg::offer& offered);

// What names the folder a partial transfer is kept in (partial_folder_name): what stays the same
// when the same file or folder is sent again after it changed, so that a later try finds the
// folder and the sender's checks decide what is kept (docs/protocol.md §4). A file:
// SHA-256("ferry/1 partial file" || u16 length || name); a tree: SHA-256("ferry/1 partial tree"
// || for each item in the offer's order: type u8 || u16 length || name).
transfer_id partial_id_of(const msg::offer& offered);

// The kernel's boot id (/proc/sys/kernel/random/boot_id), 36 characters; zeros where it cannot
// be read. While it is unchanged, every byte a write(2) put in a file is still there, synced or
// not; after a reboot (a power loss) only what was synced is sure.
using boot_id = std::array<char, 36>;
boot_id current_boot_id();

struct partial_state {
    transfer_id id{};
    std::uint64_t durable = 0;  // bytes of the data file synced to disk when it was written
    boot_id boot{};
};

// magic "FRPS" · version 1 · id (32) · durable u64 · boot id (36) · SHA-256 of all before (32).
inline constexpr std::size_t partial_state_size = 4 + 1 + 32 + 8 + 36 + 32;
std::array<std::uint8_t, partial_state_size> encode_state(const partial_state& s);
// Anything but exactly such a file, its digest right, is no state (a fresh start).
std::optional<partial_state> decode_state(byte_span bytes);

}  // namespace ferry::receiver
