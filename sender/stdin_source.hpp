#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "sender/background_reader.hpp"
#include "sender/source.hpp"

namespace ferry::sender {

// Standard input of unknown length (ferry send -), a pipe or a file: read by a thread of its
// own, straight into the record buffer, until its end. Offered as a stream named "stdin".
class stdin_source final : public source {
  public:
    stdin_source();

    [[nodiscard]] msg::offer offer() const override;
    [[nodiscard]] transfer::feature needs() const override { return transfer::feature::stream; }
    [[nodiscard]] const std::string& name() const override { return name_; }
    [[nodiscard]] std::string describe() const override { return "standard input"; }
    [[nodiscard]] std::uint64_t size() const override { return 0; }
    [[nodiscard]] bool known_size() const override { return false; }
    awaitable<std::size_t> read_async(mutable_byte_span into) override;

  private:
    std::string name_ = "stdin";
    std::unique_ptr<background_reader> reader_;
};

}  // namespace ferry::sender
