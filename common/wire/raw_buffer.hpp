#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace ferry {

// A fixed buffer whose bytes are not set when it is made: a large one (malloc maps it) costs
// memory only for the pages actually written, so a record buffer sized for the largest record
// holds little while records are small. Only bytes written before are ever read.
class raw_buffer {
  public:
    explicit raw_buffer(std::size_t size)
        : bytes_(std::make_unique_for_overwrite<std::uint8_t[]>(size)), size_(size) {}

    [[nodiscard]] std::uint8_t* data() { return bytes_.get(); }
    [[nodiscard]] const std::uint8_t* data() const { return bytes_.get(); }
    [[nodiscard]] std::size_t size() const { return size_; }
    [[nodiscard]] std::uint8_t* begin() { return data(); }
    [[nodiscard]] std::uint8_t* end() { return data() + size_; }
    [[nodiscard]] const std::uint8_t* begin() const { return data(); }
    [[nodiscard]] const std::uint8_t* end() const { return data() + size_; }

  private:
    std::unique_ptr<std::uint8_t[]> bytes_;
    std::size_t size_;
};

}  // namespace ferry
