#include "sender/record_packer.hpp"

#include <cstring>

#include "common/transfer/message.hpp"
#include "sender/sender.hpp"

namespace ferry::sender {

namespace {

constexpr std::size_t length_size = 4;
// Smaller chunks never pay for a frame's header.
constexpr std::size_t min_compressed_chunk = 64;
// In `auto`, a file sent plain is sampled again after this many chunks (16 MiB).
constexpr std::size_t resample_after = 64;

int level_of(int setting) {
    return setting == compress_auto ? transfer::default_compression_level : setting;
}

}  // namespace

void put_data_header(std::uint8_t* into, std::size_t n) {
    put_u32(into, static_cast<std::uint32_t>(1 + n));
    into[length_size] = static_cast<std::uint8_t>(msg::type::data);
}

record_packer::record_packer(int setting)
    : zstd_(level_of(setting)), automatic_(setting == compress_auto) {}

void record_packer::start_file() {
    state_ = state::sample;
    plain_chunks_ = 0;
}

bool record_packer::try_next(std::size_t n) {
    bool worth = n >= min_compressed_chunk;
    if (worth && automatic_ && state_ == state::plain) {
        if (++plain_chunks_ < resample_after) {
            worth = false;
        } else {
            state_ = state::sample;
            plain_chunks_ = 0;
        }
    }
    if (!worth) {
        raw_bytes_ += n;
        packed_bytes_ += data_header_size + n;
    }
    return worth;
}

std::size_t record_packer::put(byte_span raw, mutable_byte_span into) {
    // ZDATA's whole record must come out smaller than DATA's, and in `auto` by 10 %.
    const auto header = length_size + msg::zdata_header_size;
    const auto worth = automatic_ ? raw.size() - raw.size() / 10 : raw.size();
    const auto room = worth > header ? worth - header : 0;
    const auto frame =
        raw.size() >= min_compressed_chunk ? zstd_.compress(raw, into.subspan(header, room)) : 0;
    raw_bytes_ += raw.size();
    if (frame == 0) {
        if (automatic_) state_ = state::plain;
        put_data_header(into.data(), raw.size());
        std::memcpy(into.data() + data_header_size, raw.data(), raw.size());
        packed_bytes_ += data_header_size + raw.size();
        return data_header_size + raw.size();
    }
    if (automatic_) state_ = state::compressing;
    put_u32(into.data(), static_cast<std::uint32_t>(msg::zdata_header_size + frame));
    into[length_size] = static_cast<std::uint8_t>(msg::type::zdata);
    put_u32(into.data() + length_size + 1, static_cast<std::uint32_t>(raw.size()));
    packed_bytes_ += header + frame;
    return header + frame;
}

}  // namespace ferry::sender
