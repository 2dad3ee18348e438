#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/wire/bytes.hpp"

// Transfer messages between sender and receiver; each is the payload of one record of the
// session layer. First byte: the type. Layouts in docs/protocol.md.
namespace ferry::msg {

using digest = std::array<std::uint8_t, 32>;

inline constexpr std::size_t max_name_bytes = 4096;  // on the wire; the receiver allows less
inline constexpr std::size_t max_text_bytes = 1024;

enum class type : std::uint8_t {
    offer = 0x01,
    accept = 0x02,
    refuse = 0x03,
    data = 0x04,
    done = 0x05,
    verified = 0x06,
    abort = 0x07,
    keepalive = 0x08,    // receiver, while its person decides: keeps the relay's idle limit away
    entry = 0x09,        // a tree offer's next file, folder or symlink
    file_end = 0x0a,     // after a tree file's data: its SHA-256
    zdata = 0x0b,        // DATA compressed with zstd: the bytes' length, then one zstd frame
    resume = 0x0c,       // receiver, instead of ACCEPT: it holds the file's first bytes already
    resume_from = 0x0d,  // sender's answer to RESUME: where its DATA starts (there, or 0)
    resume_tree = 0x0e,  // receiver, instead of ACCEPT: it holds a tree's first entries already
    tree_kept = 0x0f,    // after RESUME_TREE: a value per kept entry, up to 32,768 a record
    tree_from = 0x11,    // sender's answer to RESUME_TREE: the entry its records start at
    // 0x12-0x15 are the session layer's (record_channel): never a message type.
    want = 0x16,    // receiver, to a share: list it, or take all or some of its paths
    listed = 0x17,  // share, after a listing's ENTRY records: how many there were
    shared = 0x18,  // share, instead of OFFER to a receiver that speaks shares: say what you want
    hello = 0x10,   // each side's first record: transfer protocol version and features
};

enum class reason : std::uint8_t {
    declined = 1,         // the person said no
    not_interactive = 2,  // no terminal to ask and no --yes
    no_space = 3,
    bad_name = 4,
    too_large = 5,
    local_io = 6,
    cancelled = 7,
    protocol = 8,
    unsupported = 9,  // the receiver cannot take this kind of offer here (a folder to stdout)
    not_shared = 10,  // a share: a path the receiver asked for is not in it
};

// What an OFFER offers.
enum class offer_kind : std::uint8_t {
    file = 0,    // one regular file: size and name
    stream = 1,  // bytes of unknown length (ferry send -): size 0, a name to save them under
    text = 2,    // a short text for the receiver's screen: size, no name
    tree = 3,    // files, folders and symlinks (ENTRY records): totals and the top-level items
};
inline constexpr std::uint64_t max_text_offer = 64 * 1024;

// What a tree ENTRY is.
enum class entry_type : std::uint8_t { file = 0, folder = 1, symlink = 2 };

// The limits of a tree offer; the receiver refuses anything beyond them.
inline constexpr std::size_t max_offer_items = 4096;  // top-level items of one offer
inline constexpr std::uint32_t max_tree_entries = 1'000'000;
inline constexpr std::size_t max_path_bytes = 4096;
inline constexpr std::size_t max_path_depth = 256;

// One top-level item of a tree offer: what the receiver's question names.
struct offer_item {
    entry_type type = entry_type::file;
    std::uint32_t files = 0;  // regular files in it (1 for a file)
    std::uint64_t size = 0;   // bytes in its files
    std::string name;
};

struct offer {
    offer() = default;
    offer(std::uint8_t k, std::uint64_t s, std::string n) : kind(k), size(s), name(std::move(n)) {}

    std::uint8_t kind = 0;  // an offer_kind
    std::uint64_t size = 0;
    std::string name;  // empty for a tree
    // A tree's totals and items (empty otherwise): the receiver checks them at DONE.
    std::uint32_t files = 0;
    std::uint32_t folders = 0;
    std::uint32_t symlinks = 0;
    std::vector<offer_item> items;
};
struct accept {};
struct refuse {
    reason why{};
    std::string text;
};
struct data {
    byte_span bytes;  // a view into the record buffer
};
// A DATA record's bytes as one zstd frame; `raw_size` (1..data_chunk_size) is what it holds,
// and what every limit counts: a frame that decompresses to anything else is refused.
struct zdata {
    std::uint32_t raw_size = 0;
    byte_span frame;  // a view into the record buffer
};
struct done {
    digest sha256{};
};
struct verified {
    digest sha256{};
};
struct abort {
    reason why{};
    std::string text;
};
struct keepalive {};
// The header of one tree entry; a file's DATA records and FILE_END follow it.
struct entry {
    entry_type type = entry_type::file;
    std::uint16_t mode = 0;     // permission bits as sent (0..07777); the receiver uses only x
    std::int64_t mtime_ns = 0;  // modification time, nanoseconds since 1970 (UTC)
    std::uint64_t size = 0;     // a file's bytes; 0 otherwise
    std::string path;           // relative, '/'-separated, its first component a top-level item
    std::string target;         // a symlink's target; empty otherwise
};
struct file_end {
    digest sha256{};
};
// The receiver accepts a file of which it kept the first `offset` bytes (1 .. the offered size)
// from an interrupted transfer; `prefix` is their SHA-256.
struct resume {
    std::uint64_t offset = 0;
    digest prefix{};
};
// The sender's answer: `offset` is the receiver's when its own first bytes hash the same, else 0
// (the file is sent again from its start). DATA follows from there.
struct resume_from {
    std::uint64_t offset = 0;
};
// The receiver accepts a tree of which it kept the first `entries` entries (1 ..
// max_tree_entries, in the sender's walk order) from an interrupted transfer; TREE_KEPT records
// with a value for each follow.
struct resume_tree {
    std::uint32_t entries = 0;
};
// Values of kept entries, in order: SHA-256("ferry/1 kept entry" || ENTRY || file SHA-256), the
// ENTRY as received and the digest of the file's bytes (32 zero bytes for a folder or symlink).
inline constexpr std::size_t max_kept_per_record = 32768;
struct tree_kept {
    std::vector<digest> values;  // 1 .. max_kept_per_record
};
// The sender's answer: its records start at entry `entries` (0 .. the receiver's count): the
// receiver keeps the entries before it and drops the rest.
struct tree_from {
    std::uint32_t entries = 0;
};
// What a receiver asks of a share (SHARED): its listing, or paths to take (none: everything).
// Paths are as the listing shows them ('course/week1'), without a trailing '/'.
enum class want_mode : std::uint8_t { take = 0, list = 1 };
struct want {
    want_mode mode = want_mode::take;
    std::vector<std::string> paths;  // take only: 0 .. max_offer_items, each 1 .. max_path_bytes
};
// The end of a listing: the count of the ENTRY records before it (at most max_tree_entries).
struct listed {
    std::uint32_t entries = 0;
};
struct shared {};
inline constexpr std::size_t max_software_bytes = 32;
struct hello {
    std::uint8_t version = 0;    // the transfer protocol version, 2 since ferry 0.2
    std::uint64_t features = 0;  // a bit per feature (common/transfer/hello.hpp)
    std::string software;        // "0.2.0": for messages only
};

using message = std::variant<offer, accept, refuse, data, done, verified, abort, keepalive, hello,
                             entry, file_end, zdata, resume, resume_from, resume_tree, tree_kept,
                             tree_from, want, listed, shared>;

// Decodes one record payload; throws wire_error with a clear message on anything malformed.
message decode(byte_span payload);

// The fixed part of a ZDATA record before its frame: type u8, raw size u32.
inline constexpr std::size_t zdata_header_size = 5;

// Encodes a control message (DATA and ZDATA are written in place on the hot paths; encoding them
// here is for tests).
std::vector<std::uint8_t> encode(const message& m);

const char* describe(reason r);

}  // namespace ferry::msg
