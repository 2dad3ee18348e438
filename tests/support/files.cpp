#include "tests/support/files.hpp"

#include <cstdlib>

#include <fstream>
#include <stdexcept>

#include "common/crypto/sha256.hpp"

namespace ferry::test {

temp_dir::temp_dir() {
    char tmpl[] = "/tmp/ferry-e2e.XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    path = made;
}

temp_dir::~temp_dir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
}

std::vector<std::string> temp_dir::entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path))
        out.push_back(e.path().filename().string());
    return out;
}

std::vector<std::string> temp_dir::final_entries() const {
    auto out = entries();
    std::erase_if(out, [](const std::string& name) { return name.starts_with(".ferry-partial-"); });
    return out;
}

void make_file(const fs::path& path, std::uint64_t size, std::uint32_t seed) {
    std::ofstream out(path, std::ios::binary);
    std::vector<std::uint64_t> block(8192);
    std::uint64_t x = 0x9e3779b97f4a7c15ULL * (seed + 1);
    while (size > 0) {
        for (auto& v : block) {  // xorshift64
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v = x;
        }
        const auto n = std::min<std::uint64_t>(size, block.size() * sizeof(std::uint64_t));
        out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
        size -= n;
    }
}

std::string sha256_of(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "missing";
    sha256 h;
    std::vector<char> buf(1 << 20);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        const auto n = static_cast<std::size_t>(in.gcount());
        h.update({reinterpret_cast<const std::uint8_t*>(buf.data()), n});
    }
    return to_hex(h.finish());
}

}  // namespace ferry::test
