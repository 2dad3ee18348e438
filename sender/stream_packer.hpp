#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/crypto/sha256.hpp"
#include "common/net/asio.hpp"
#include "common/wire/bytes.hpp"
#include "sender/background_reader.hpp"
#include "sender/record_packer.hpp"

namespace ferry::sender {

// A file's or a stream's bytes, compressed where it pays, on a thread of its own: the caller
// reads a batch of bytes into raw(), then pack() hashes them (SHA-256 of the whole source) and
// turns them into DATA and ZDATA records (length-prefixed, as a tree's batches) while the io
// thread sends the batch before.
class stream_packer {
  public:
    static constexpr std::size_t raw_size = std::size_t{2} << 20U;
    // Room a batch of packed records needs for raw_size bytes.
    static constexpr std::size_t batch_size = raw_size + 64 * data_header_size;

    // compress_auto or a zstd level.
    explicit stream_packer(int setting);

    // Where the next bytes go; raw_size bytes, free again once pack() returned.
    [[nodiscard]] mutable_byte_span raw() { return raw_; }
    // The first `n` bytes of raw() as records in `into` (batch_size bytes): their length.
    awaitable<std::size_t> pack(std::size_t n, mutable_byte_span into);
    // The SHA-256 of every byte packed; once, at the end.
    sha256_digest finish() { return hash_.finish(); }
    // A resumed file: the hash carries on from its first bytes' (before the first pack()).
    void continue_hash(const sha256& prefix) { hash_ = prefix; }
    [[nodiscard]] const record_packer& packer() const { return packer_; }

  private:
    std::size_t pack_now(mutable_byte_span into);  // on the thread

    record_packer packer_;
    sha256 hash_;
    std::vector<std::uint8_t> raw_;
    std::size_t pending_ = 0;   // bytes of raw_ to pack
    background_reader thread_;  // last: its thread uses everything above
};

}  // namespace ferry::sender
