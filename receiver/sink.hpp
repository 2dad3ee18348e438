#pragma once

#include <string>
#include <string_view>

#include "common/crypto/sha256.hpp"
#include "common/wire/bytes.hpp"

namespace ferry::receiver {

// Where a receiver puts what arrives. Today one implementation, a file in the target folder
// (safe_file); trees of files and standard output come next. Nothing has a name in the target
// folder until commit().
class sink {
  public:
    virtual ~sink() = default;
    // All of it, or failure(local_io) (perhaps for bytes given earlier: writing may go on in the
    // background).
    virtual void write(byte_span bytes) = 0;
    // Writes out the rest; the SHA-256 of everything written. Once, before commit().
    virtual sha256_digest finish() = 0;
    // Gives what was written its final name (the first free one from `name` on), durably;
    // returns that name.
    virtual std::string commit(std::string_view name) = 0;
};

}  // namespace ferry::receiver
