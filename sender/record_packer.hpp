#pragma once

#include <cstddef>
#include <cstdint>

#include "common/transfer/chunk_compression.hpp"
#include "common/wire/bytes.hpp"

namespace ferry::sender {

// Turns chunks of a file's bytes into DATA or ZDATA records, deciding per file whether zstd
// pays. `auto` compresses a sample (the file's first chunk, and again every 16 MiB of a file
// sent plain) and keeps compressing while chunks shrink by at least 10 %; a chunk that does not
// goes plain, and so does the file from there until the next sample. A level compresses every
// chunk that is worth it and sends the others plain. Runs on a reader's thread, never the io
// thread; one zstd context, nothing allocated per chunk.
class record_packer {
  public:
    // compress_auto, or a zstd level 1..19.
    explicit record_packer(int setting);

    // A new file starts: `auto` samples its first chunk.
    void start_file();
    // Whether the next chunk of `n` bytes should be offered to put(); if not, it goes plain
    // and the caller may read it straight into a DATA record (counted here as such).
    bool try_next(std::size_t n);
    // `raw` (at most data_chunk_size bytes) as one record, `length u32 | DATA or ZDATA`, at the
    // start of `into`, which has room for it as DATA (4 + 1 + raw.size() bytes). The bytes used.
    std::size_t put(byte_span raw, mutable_byte_span into);

    // Bytes of file data given, and bytes of records made from them (for the summary).
    [[nodiscard]] std::uint64_t raw_bytes() const { return raw_bytes_; }
    [[nodiscard]] std::uint64_t packed_bytes() const { return packed_bytes_; }

  private:
    enum class state { sample, compressing, plain };

    transfer::chunk_compressor zstd_;
    bool automatic_;
    state state_ = state::sample;
    std::size_t plain_chunks_ = 0;  // since the last sample
    std::uint64_t raw_bytes_ = 0;
    std::uint64_t packed_bytes_ = 0;
};

// A DATA record's header (length u32, type u8) for `n` bytes at `into`.
void put_data_header(std::uint8_t* into, std::size_t n);
inline constexpr std::size_t data_header_size = 5;

}  // namespace ferry::sender
