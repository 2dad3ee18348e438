// Writes seed corpora of valid inputs for the fuzz targets: fuzz_seeds DIR makes DIR/<target>/.
// The record seeds are a real transfer's messages sealed with the fuzz key, so that the fuzzer
// starts past authentication instead of having to guess a GCM tag.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "common/transfer/message.hpp"
#include "common/wire/relay_frame.hpp"
#include "common/wire/wire_error.hpp"
#include "relay/link_frame.hpp"
#include "tests/fuzz/link_key.hpp"
#include "tests/fuzz/record_stream.hpp"

namespace {

namespace fs = std::filesystem;
namespace msg = ferry::msg;
namespace rp = ferry::relay_proto;
using bytes = std::vector<std::uint8_t>;

void write_seed(const fs::path& dir, const std::string& name, std::uint8_t first,
                const bytes& rest) {
    fs::create_directories(dir);
    std::ofstream out(dir / name, std::ios::binary);
    out.put(static_cast<char>(first));
    out.write(reinterpret_cast<const char*>(rest.data()),
              static_cast<std::streamsize>(rest.size()));
}

bytes data_message(std::size_t n) {
    bytes b(1 + n, 'x');
    b[0] = static_cast<std::uint8_t>(msg::type::data);
    return b;
}

// A tree offer: a file "a.txt" of 5 bytes and a folder "d" holding a file of 3 bytes, an empty
// file and a symlink.
msg::offer tree_offer() {
    msg::offer o{static_cast<std::uint8_t>(msg::offer_kind::tree), 8, ""};
    o.files = 3;
    o.folders = 1;
    o.symlinks = 1;
    o.items = {{msg::entry_type::file, 1, 5, "a.txt"}, {msg::entry_type::folder, 2, 3, "d"}};
    return o;
}

bytes entry(msg::entry_type type, std::uint64_t size, std::string path, std::string target = {}) {
    const std::uint16_t mode = type == msg::entry_type::file ? 0644 : 0755;
    return msg::encode(msg::entry{type, mode, 1'700'000'000'000'000'000, size, std::move(path),
                                  std::move(target)});
}

// Message sequences a receiver may see, each one seed.
std::vector<std::vector<bytes>> conversations() {
    msg::digest d{};
    d.fill(0x5e);
    msg::digest e{};
    e.fill(0xe3);
    const auto offer = msg::encode(msg::offer{0, 300, "report.pdf"});
    const auto file_end = msg::encode(msg::file_end{e});
    return {
        {offer, data_message(200), data_message(100), msg::encode(msg::done{d})},
        {offer, data_message(300), msg::encode(msg::abort{msg::reason::local_io, "disk full"})},
        {msg::encode(msg::offer{0, 0, "empty.txt"}), msg::encode(msg::done{d})},
        {msg::encode(msg::accept{}), msg::encode(msg::verified{d})},
        {msg::encode(msg::refuse{msg::reason::no_space, "1 MiB free"})},
        // A tree, in walk order: each entry, a file's DATA (none when it is empty) and FILE_END.
        {msg::encode(tree_offer()), entry(msg::entry_type::file, 5, "a.txt"), data_message(5),
         file_end, entry(msg::entry_type::folder, 0, "d"), entry(msg::entry_type::file, 3, "d/b"),
         data_message(3), file_end, entry(msg::entry_type::file, 0, "d/empty"), file_end,
         entry(msg::entry_type::symlink, 0, "d/l", "b"), msg::encode(msg::done{d})},
        {msg::encode(msg::refuse{msg::reason::unsupported, "a folder cannot go to stdout"})},
        // A file whose data comes as ZDATA (the docs/protocol.md example) and DATA.
        {msg::encode(msg::offer{0, 71, "x.txt"}),
         bytes{0x0b, 0x00, 0x00, 0x00, 0x3d, 0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x3d, 0x75, 0x00, 0x00,
               0x40, 0x66, 0x65, 0x72, 0x72, 0x79, 0x20, 0x21, 0x0a, 0x01, 0x00, 0xca, 0x59, 0x8a},
         data_message(10), msg::encode(msg::done{d})},
        // A resumed file: the receiver kept 4096 of 4396 bytes, the sender sends the rest.
        {msg::encode(msg::resume{4096, e}), msg::encode(msg::keepalive{})},
        {msg::encode(msg::offer{0, 4396, "report.pdf"}), msg::encode(msg::keepalive{}),
         msg::encode(msg::resume_from{4096}), data_message(300), msg::encode(msg::done{d})},
        // A resumed tree: the receiver kept two entries, the sender starts at the second.
        {msg::encode(msg::resume_tree{2}), msg::encode(msg::tree_kept{{d, e}})},
        {msg::encode(tree_offer()), msg::encode(msg::keepalive{}), msg::encode(msg::tree_from{1}),
         entry(msg::entry_type::folder, 0, "d"), msg::encode(msg::done{d})},
    };
}

void record_seeds(const fs::path& dir) {
    int n = 0;
    for (const auto& c : conversations()) {
        bytes wire;
        ferry::fuzz::seal_records(c, wire);
        bytes plain;
        for (const auto& p : c) {
            plain.push_back(static_cast<std::uint8_t>(p.size() >> 8));
            plain.push_back(static_cast<std::uint8_t>(p.size()));
            plain.insert(plain.end(), p.begin(), p.end());
        }
        for (const std::uint8_t piece : {std::uint8_t{0}, std::uint8_t{1}, std::uint8_t{20}}) {
            write_seed(dir, "wire-" + std::to_string(n), piece, wire);
            write_seed(dir, "plain-" + std::to_string(n), static_cast<std::uint8_t>(0x80 | piece),
                       plain);
            ++n;
        }
    }
}

void relay_frame_seeds(const fs::path& dir) {
    const std::vector<rp::frame> frames{
        {rp::frame_type::allocate, 0, {}, {}},
        {rp::frame_type::claim, 7, {}, {}},
        {rp::frame_type::ping, 0, {}, {}},
        {rp::frame_type::allocated, 123456, {}, {}},
        {rp::frame_type::paired, 0, {}, {}},
        {rp::frame_type::pong, 0, {}, "ferry-relay 0.2.0"},
        {rp::frame_type::error, 0, rp::error_code::unknown_nameplate, "no sender is waiting"},
        {rp::frame_type::reconnect, 0, {}, {}, {1, 2, 3, 4, 5, 6, 7, 8}, rp::role::receiver},
        {rp::frame_type::share, 0, {}, {}},
        {rp::frame_type::join, 7, {}, {}, {}, rp::role::sender, {1, 2, 3, 4, 5, 6, 7, 8}},
        {rp::frame_type::arrived, 0, {}, "127.0.0.1", {}, rp::role::sender, {9, 8, 7}},
        {rp::frame_type::error, 0, rp::error_code::share_ended, "the share has ended"},
    };
    bytes all;
    int n = 0;
    for (const auto& f : frames) {
        const auto b = rp::encode(f);
        all.insert(all.end(), b.begin(), b.end());
        write_seed(dir, "frame-" + std::to_string(n++), 0, b);
    }
    write_seed(dir, "all-in-pieces-of-3", 2, all);
}

// Every message seed must be one the decoder takes and encodes back to the same bytes (the
// fuzz_message oracle), or the fuzzer would start from inputs it refuses at once.
bool check_message(const bytes& m) {
    try {
        if (msg::encode(msg::decode(m)) == m) return true;
        std::cerr << "fuzz_seeds: a message seed does not encode back the same\n";
    } catch (const ferry::wire_error& e) {
        std::cerr << "fuzz_seeds: a message seed is refused: " << e.what() << "\n";
    }
    return false;
}

bool message_seeds(const fs::path& dir) {
    int n = 0;
    for (const auto& c : conversations()) {
        for (const auto& m : c) {
            if (!check_message(m)) return false;
            // fuzz_message takes the message itself: no selector byte.
            fs::create_directories(dir);
            std::ofstream out(dir / ("message-" + std::to_string(n++)), std::ios::binary);
            out.write(reinterpret_cast<const char*>(m.data()),
                      static_cast<std::streamsize>(m.size()));
        }
    }
    return true;
}

// Authentic LINKs under the fuzz secret, carrying each kind of hello a link may carry.
void link_seeds(const fs::path& dir) {
    const std::vector<rp::frame> hellos{
        {rp::frame_type::claim, 7, {}, {}},
        {rp::frame_type::join, 7, {}, {}},
        {rp::frame_type::reconnect, 0, {}, {}},
    };
    int n = 0;
    for (const auto& h : hellos) {
        ferry::relay::link_hello l;
        l.unix_ms = 1'700'000'000'000ULL + static_cast<std::uint64_t>(n);
        l.nonce.fill(static_cast<std::uint8_t>(n));
        l.client_address = n == 0 ? "203.0.113.7:51234" : "[2001:db8::1]:51234";
        l.hello = rp::encode(h);
        write_seed(dir, "link-" + std::to_string(n), static_cast<std::uint8_t>(n * 7),
                   ferry::relay::encode_link(l, ferry::as_bytes(ferry::fuzz::link_secret)));
        ++n;
    }
}

}  // namespace

int main(int argc, char* argv[]) {
    if (argc != 2) {
        std::cerr << "usage: fuzz_seeds DIR\n";
        return 2;
    }
    const fs::path dir = argv[1];
    record_seeds(dir / "fuzz_record");
    relay_frame_seeds(dir / "fuzz_relay_hello");
    link_seeds(dir / "fuzz_link");
    return message_seeds(dir / "fuzz_message") ? 0 : 1;
}
