// libFuzzer target: relay frames (the hello a client sends, the relay's answers), fed in reads of
// sizes chosen by the input, exactly as the relay reads a socket.
#include <algorithm>
#include <cstring>

#include "common/frame_reader.hpp"
#include "common/relay_frame.hpp"
#include "common/wire_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace rp = ferry::relay_proto;
    if (size == 0) return 0;
    const std::size_t piece = 1 + data[0] % 16;
    ferry::frame_reader<rp::format> reader(rp::max_payload);
    try {
        for (std::size_t pos = 1; pos < size;) {
            auto want = reader.wanted();
            const auto n = std::min({want.size(), piece, size - pos});
            std::memcpy(want.data(), data + pos, n);
            pos += n;
            if (reader.commit(n)) {
                const auto f = rp::decode(reader.header(), reader.payload());
                const auto again = rp::encode(f);
                if (again.size() < rp::header_size) __builtin_trap();
                reader.reset();
            }
        }
    } catch (const ferry::wire_error&) {
    }
    return 0;
}
