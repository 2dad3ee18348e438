#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "receiver/pipe_writer.hpp"
#include "receiver/sink.hpp"

namespace ferry::receiver {

// ferry receive --stdout: the bytes go to standard output as each record arrives, authenticated
// (AES-GCM) but not yet checked as a whole: a slow reader slows the transfer down. They cannot
// be taken back: when the SHA-256 at the end turns out wrong the exit code (6) is what tells the
// pipeline.
class stdout_sink final : public sink {
  public:
    stdout_sink();
    void write(byte_span bytes) override { writer_->write(bytes); }
    sha256_digest finish() override { return writer_->finish(); }
    // Nothing to name; returns "".
    std::string commit(std::string_view name) override;
    // The transfer stopped short: what standard output got, once the write under way is done
    // (a reader may already have seen those bytes); the rest is dropped.
    [[nodiscard]] std::uint64_t stop_and_count() {
        writer_->stop();
        return writer_->written();
    }

  private:
    std::unique_ptr<pipe_writer> writer_;
};

}  // namespace ferry::receiver
