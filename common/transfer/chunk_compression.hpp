#pragma once

#include <cstddef>

#include "common/wire/bytes.hpp"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

// zstd for ZDATA records (docs/protocol.md, "Compressed data"): each record's bytes are one
// independent frame of at most data_chunk_size bytes, so a record never depends on another
// and a receiver's memory per frame is fixed. Each side sets its context up once and reuses it:
// nothing is allocated per record.
namespace ferry::transfer {

inline constexpr int default_compression_level = 3;  // zstd's own default
inline constexpr int max_compression_level = 19;

class chunk_compressor {
  public:
    explicit chunk_compressor(int level);
    ~chunk_compressor();
    chunk_compressor(const chunk_compressor&) = delete;
    chunk_compressor& operator=(const chunk_compressor&) = delete;

    // `raw` (at most data_chunk_size bytes) as one frame at the start of `into`: its size, or 0
    // when it does not fit there (the caller sizes `into` to what would be worth sending).
    std::size_t compress(byte_span raw, mutable_byte_span into);

  private:
    ZSTD_CCtx_s* ctx_;
};

class chunk_decompressor {
  public:
    chunk_decompressor();
    ~chunk_decompressor();
    chunk_decompressor(const chunk_decompressor&) = delete;
    chunk_decompressor& operator=(const chunk_decompressor&) = delete;

    // Decompresses `frame` into all of `into` (the record's raw size): wire_error for a frame
    // that is damaged, holds fewer bytes, or would expand past it (it is never written beyond).
    void decompress(byte_span frame, mutable_byte_span into);

  private:
    ZSTD_DCtx_s* ctx_;
};

}  // namespace ferry::transfer
