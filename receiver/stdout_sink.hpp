#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "receiver/disk_writer.hpp"
#include "receiver/sink.hpp"

namespace ferry::receiver {

// ferry receive --stdout: the bytes go to standard output as they arrive (in 4 MiB blocks,
// from a thread of their own, a slow reader slowing the transfer down). They cannot be taken
// back: when the hash turns out wrong the exit code (6) is what tells the pipeline.
class stdout_sink final : public sink {
  public:
    stdout_sink();
    void write(byte_span bytes) override { writer_->write(bytes); }
    sha256_digest finish() override { return writer_->finish(); }
    // Nothing to name; returns "".
    std::string commit(std::string_view name) override;

  private:
    std::unique_ptr<disk_writer> writer_;
};

}  // namespace ferry::receiver
