#pragma once

#include <cstdint>
#include <vector>

#include "common/transfer/chunk_compression.hpp"
#include "common/wire/bytes.hpp"
#include "receiver/record_worker.hpp"
#include "receiver/sink.hpp"

namespace ferry::receiver {

// A file's or a stream's data records once the sender compresses (the first ZDATA): from then
// on every DATA and ZDATA record goes through here, in order, and a thread of its own
// decompresses ZDATA and writes the bytes into the sink, so that zstd never runs on the io
// thread. Records are checked by the caller (sizes against the offer) before they are posted.
class inflater {
  public:
    static constexpr std::size_t block_size = std::size_t{4} << 20U;

    explicit inflater(sink& out);
    ~inflater() { worker_.stop(); }
    inflater(const inflater&) = delete;
    inflater& operator=(const inflater&) = delete;

    // A DATA or ZDATA payload; throws what an earlier record ran into (wire_error for a
    // damaged frame, failure(local_io) from the sink).
    void post(byte_span payload) { worker_.post(payload); }
    // Waits until everything posted is in the sink.
    void finish() { worker_.finish(); }

  private:
    void apply(byte_span payload);

    sink& out_;
    transfer::chunk_decompressor unzstd_;
    std::vector<std::uint8_t> unpacked_;
    record_worker worker_;  // last: its thread uses everything above
};

}  // namespace ferry::receiver
