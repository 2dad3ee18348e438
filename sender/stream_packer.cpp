#include "sender/stream_packer.hpp"

#include <algorithm>

#include "common/wire/record_format.hpp"

namespace ferry::sender {

stream_packer::stream_packer(int setting)
    : packer_(setting),
      raw_(raw_size),
      thread_([this](mutable_byte_span into) { return pack_now(into); }) {
    packer_.start_file();
}

awaitable<std::size_t> stream_packer::pack(std::size_t n, mutable_byte_span into) {
    pending_ = n;  // read by the thread after the hand-over in read()
    co_return co_await thread_.read(into);
}

std::size_t stream_packer::pack_now(mutable_byte_span into) {
    const auto raw = byte_span(raw_).first(pending_);
    hash_.update(raw);
    std::size_t used = 0;
    for (std::size_t at = 0; at < raw.size();) {
        const auto chunk = raw.subspan(at, std::min(data_chunk_size, raw.size() - at));
        at += chunk.size();
        const auto room = into.subspan(used);
        if (packer_.try_next(chunk.size())) {
            used += packer_.put(chunk, room);
        } else {
            put_data_header(room.data(), chunk.size());
            std::copy(chunk.begin(), chunk.end(), room.begin() + data_header_size);
            used += data_header_size + chunk.size();
        }
    }
    return used;
}

}  // namespace ferry::sender
