#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "common/crypto/sha256.hpp"
#include "receiver/sink.hpp"

namespace ferry::receiver {

// A received text (OFFER kind 2), held in memory until verified, then printed on `out`:
// as it came when `out` is not a terminal, else with control and format characters escaped
// and a final newline. Writes no file.
class text_sink final : public sink {
  public:
    explicit text_sink(std::FILE* out = stdout);
    void write(byte_span bytes) override;
    sha256_digest finish() override;
    // Prints the text; returns an empty name.
    std::string commit(std::string_view name) override;

  private:
    std::FILE* out_;
    std::string text_;
    sha256 hash_;
};

// The text as a terminal shows it safely: each line printable(), newlines kept, one at the end.
std::string text_for_terminal(std::string_view text);

}  // namespace ferry::receiver
