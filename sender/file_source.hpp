#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/bytes.hpp"

namespace ferry::sender {

// The file being sent, opened once: its size is fixed at open and read() refuses to go past it.
class file_source {
  public:
    explicit file_source(const std::filesystem::path& path);
    ~file_source();
    file_source(const file_source&) = delete;
    file_source& operator=(const file_source&) = delete;

    [[nodiscard]] std::uint64_t size() const { return size_; }
    [[nodiscard]] const std::string& name() const { return name_; }

    // Fills as much of `into` as the file has left; failure(local_io) if the file shrank.
    std::size_t read(mutable_byte_span into);

  private:
    int fd_ = -1;
    std::uint64_t size_ = 0;
    std::uint64_t offset_ = 0;
    std::string name_;
    std::string shown_path_;
};

}  // namespace ferry::sender
