#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "common/wire/frame_reader.hpp"

namespace ferry::fuzz {

// Feeds data into reader in reads of at most `piece` bytes, as a socket would, and calls
// on_frame for every whole frame. Aborts if the reader breaks its contract of always wanting
// more bytes while a frame is incomplete.
template <class Format, class OnFrame>
void feed(frame_reader<Format>& reader, const std::uint8_t* data, std::size_t size,
          std::size_t piece, OnFrame&& on_frame) {
    for (std::size_t pos = 0; pos < size;) {
        auto want = reader.wanted();
        if (want.empty()) std::abort();
        const auto n = std::min({want.size(), piece, size - pos});
        std::memcpy(want.data(), data + pos, n);
        pos += n;
        if (reader.commit(n)) {
            on_frame();
            reader.reset();
        }
    }
}

}  // namespace ferry::fuzz
