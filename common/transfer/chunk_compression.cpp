#include "common/transfer/chunk_compression.hpp"

#include <new>
#include <stdexcept>

#include <fmt/format.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "common/ui/units.hpp"
#include "common/wire/record_format.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry::transfer {

namespace {

// A frame of data_chunk_size bytes never needs a larger window; a frame that asks for one is
// refused before any memory is taken for it.
constexpr int max_window_log = 18;
static_assert((std::size_t{1} << max_window_log) >= data_chunk_size);

template <class T>
T* created(T* ctx) {
    if (ctx == nullptr) throw std::bad_alloc();
    return ctx;
}

}  // namespace

chunk_compressor::chunk_compressor(int level) : ctx_(created(ZSTD_createCCtx())) {
    // No zstd checksum: the record's GCM tag and the file's SHA-256 already cover the bytes.
    if (ZSTD_isError(ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, level)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(ctx_, ZSTD_c_checksumFlag, 0)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(ctx_, ZSTD_c_windowLog, max_window_log))) {
        ZSTD_freeCCtx(ctx_);
        throw std::invalid_argument(fmt::format("zstd cannot compress at level {}", level));
    }
}

chunk_compressor::~chunk_compressor() {
    ZSTD_freeCCtx(ctx_);
}

std::size_t chunk_compressor::compress(byte_span raw, mutable_byte_span into) {
    const auto n = ZSTD_compress2(ctx_, into.data(), into.size(), raw.data(), raw.size());
    if (ZSTD_isError(n)) {
        // Output that does not fit is the expected "not worth it"; anything else would be a bug
        // of ours, and the chunk then simply goes uncompressed too.
        ZSTD_CCtx_reset(ctx_, ZSTD_reset_session_only);
        return 0;
    }
    return n;
}

chunk_decompressor::chunk_decompressor() : ctx_(created(ZSTD_createDCtx())) {
    ZSTD_DCtx_setParameter(ctx_, ZSTD_d_windowLogMax, max_window_log);
}

chunk_decompressor::~chunk_decompressor() {
    ZSTD_freeDCtx(ctx_);
}

void chunk_decompressor::decompress(byte_span frame, mutable_byte_span into) {
    const auto n = ZSTD_decompressDCtx(ctx_, into.data(), into.size(), frame.data(), frame.size());
    if (ZSTD_isError(n)) {
        ZSTD_DCtx_reset(ctx_, ZSTD_reset_session_only);
        if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall) {
            throw wire_error(fmt::format("compressed data expands past the {} it announced",
                                         plural(into.size(), "byte")));
        }
        throw wire_error(fmt::format("compressed data is damaged: {}", ZSTD_getErrorName(n)));
    }
    if (n != into.size()) {
        throw wire_error(fmt::format("compressed data holds {}, not the {} it announced",
                                     plural(n, "byte"), plural(into.size(), "byte")));
    }
}

}  // namespace ferry::transfer
