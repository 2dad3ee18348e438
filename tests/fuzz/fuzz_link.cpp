// libFuzzer target: the LINK a relay of a cluster reads first on its link port. The first byte
// sets the read size; the oracle: a LINK taken is exactly the bytes read, re-encoded.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "common/wire/wire_error.hpp"
#include "relay/link_frame.hpp"
#include "tests/fuzz/link_key.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t piece = 1 + data[0] % 64u;
    const auto secret = ferry::as_bytes(ferry::fuzz::link_secret);
    ferry::relay::link_reader reader(secret);
    try {
        for (std::size_t pos = 1; pos < size;) {
            auto want = reader.wanted();
            if (want.empty()) std::abort();  // must want bytes until the LINK is whole
            const auto n = std::min({want.size(), piece, size - pos});
            std::memcpy(want.data(), data + pos, n);
            pos += n;
            if (reader.commit(n)) {
                const auto again = ferry::relay::encode_link(reader.result(), secret);
                if (again.size() != pos - 1 || std::memcmp(again.data(), data + 1, pos - 1) != 0)
                    std::abort();
                break;
            }
        }
    } catch (const ferry::wire_error&) {
    }
    return 0;
}
