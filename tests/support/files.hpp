#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ferry::test {

namespace fs = std::filesystem;

// A folder under /tmp removed with everything in it.
struct temp_dir {
    fs::path path;
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    [[nodiscard]] std::vector<std::string> entries() const;
    // What has a final name: every entry but the hidden folder an interrupted transfer keeps
    // for a resume (.ferry-partial-*).
    [[nodiscard]] std::vector<std::string> final_entries() const;
};

// Writes `size` pseudo-random bytes (deterministic per seed).
void make_file(const fs::path& path, std::uint64_t size, std::uint32_t seed = 1);
std::string sha256_of(const fs::path& path);

}  // namespace ferry::test
