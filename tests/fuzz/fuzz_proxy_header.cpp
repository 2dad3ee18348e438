// libFuzzer target: the PROXY protocol v1/v2 header the relay reads first with --proxy-protocol.
#include <algorithm>
#include <cstring>

#include "common/wire/wire_error.hpp"
#include "relay/proxy_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t piece = 1 + data[0] % 32u;
    ferry::proxy::header_reader reader;
    try {
        for (std::size_t pos = 1; pos < size;) {
            auto want = reader.wanted();
            if (want.empty()) break;
            const auto n = std::min({want.size(), piece, size - pos});
            std::memcpy(want.data(), data + pos, n);
            pos += n;
            if (reader.commit(n)) break;
        }
    } catch (const ferry::wire_error&) {
    }
    return 0;
}
