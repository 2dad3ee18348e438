// libFuzzer target: relay frames (the hello a client sends, the relay's answers), fed in reads of
// sizes chosen by the input, exactly as the relay reads a socket. Oracle (aborts on a violation):
// every accepted frame encodes back to exactly the bytes it was read from (an ERROR or PONG text
// over the 400 bytes encode() keeps aside: then the rest must survive), no CLAIM, ALLOCATED or
// JOIN carries nameplate 0, an ARRIVED address is at most 64 bytes, and reading the same
// bytes whole gives the same frames and the same refusal as reading them in pieces.
#include <cstdlib>
#include <vector>

#include "common/wire/relay_frame.hpp"
#include "common/wire/wire_error.hpp"
#include "tests/fuzz/feed.hpp"

namespace {

namespace rp = ferry::relay_proto;
using bytes = std::vector<std::uint8_t>;

struct outcome {
    std::vector<bytes> frames;  // each as read: header and payload
    bool refused = false;
};

rp::frame decode_whole(const bytes& wire) {
    const std::span<const std::uint8_t> all(wire);
    if (rp::payload_size(all.first(rp::header_size), rp::max_payload) !=
        wire.size() - rp::header_size) {
        std::abort();
    }
    return rp::decode(all.first(rp::header_size), all.subspan(rp::header_size));
}

void check_frame(const bytes& wire, const rp::frame& f) {
    const auto again = rp::encode(f);
    if (f.text.size() <= rp::max_message) {
        if (again != wire) std::abort();
        return;
    }
    const auto back = decode_whole(again);
    if (back.type != f.type || back.error != f.error ||
        back.text != f.text.substr(0, rp::max_message)) {
        std::abort();
    }
}

outcome read_all(const std::uint8_t* data, std::size_t size, std::size_t piece) {
    outcome out;
    ferry::frame_reader<rp::format> reader(rp::max_payload);
    try {
        ferry::fuzz::feed(reader, data, size, piece, [&] {
            bytes wire(reader.header().begin(), reader.header().end());
            wire.insert(wire.end(), reader.payload().begin(), reader.payload().end());
            const auto f = rp::decode(reader.header(), reader.payload());
            if ((f.type == rp::frame_type::claim || f.type == rp::frame_type::allocated ||
                 f.type == rp::frame_type::join) &&
                f.nameplate == 0) {
                std::abort();
            }
            if (f.type == rp::frame_type::arrived && f.text.size() > rp::max_arrived_address)
                std::abort();
            check_frame(wire, f);
            out.frames.push_back(std::move(wire));
        });
    } catch (const ferry::wire_error&) {
        out.refused = true;
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto in_pieces = read_all(data + 1, size - 1, 1 + data[0] % 16u);
    const auto whole = read_all(data + 1, size - 1, size);
    if (in_pieces.frames != whole.frames || in_pieces.refused != whole.refused) std::abort();
    return 0;
}
