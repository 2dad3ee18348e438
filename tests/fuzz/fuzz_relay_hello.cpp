// libFuzzer target: relay frames (the hello a client sends, the relay's answers), fed in reads of
// sizes chosen by the input, exactly as the relay reads a socket.
#include "common/relay_frame.hpp"
#include "common/wire_error.hpp"
#include "tests/fuzz/feed.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace rp = ferry::relay_proto;
    if (size == 0) return 0;
    ferry::frame_reader<rp::format> reader(rp::max_payload);
    try {
        ferry::fuzz::feed(reader, data + 1, size - 1, 1 + data[0] % 16u, [&] {
            const auto f = rp::decode(reader.header(), reader.payload());
            if (rp::encode(f).size() < rp::header_size) __builtin_trap();
        });
    } catch (const ferry::wire_error&) {
    }
    return 0;
}
