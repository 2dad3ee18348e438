#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/ui/exit_code.hpp"
#include "receiver/safe_file.hpp"

using namespace ferry;
using namespace ferry::receiver;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
    fs::path path;
    temp_dir() {
        char tmpl[] = "/tmp/ferry-test.XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~temp_dir() { fs::remove_all(path); }
    [[nodiscard]] std::size_t entries() const {
        return static_cast<std::size_t>(std::distance(fs::directory_iterator(path), {}));
    }
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

const std::vector<std::uint8_t> hello{'h', 'e', 'l', 'l', 'o'};

}  // namespace

TEST_CASE("a received file is invisible until commit and never replaces a file", "[safe_file]") {
    for (const auto m : {safe_file::mode::automatic, safe_file::mode::named_temporary}) {
        temp_dir dir;
        {
            std::ofstream(dir.path / "report.pdf") << "precious";
            safe_file f(dir.path, m);
            CHECK(f.is_unnamed() == (m == safe_file::mode::automatic));
            f.write(hello);
            // Nothing under the final name yet; at most a hidden temporary.
            CHECK(dir.entries() == (m == safe_file::mode::automatic ? 1u : 2u));
            const auto saved = f.commit("report.pdf");
            CHECK(saved == "report (1).pdf");
        }
        CHECK(slurp(dir.path / "report.pdf") == "precious");
        CHECK(slurp(dir.path / "report (1).pdf") == "hello");
        CHECK(dir.entries() == 2);
    }
}

TEST_CASE("an uncommitted file leaves nothing behind", "[safe_file]") {
    for (const auto m : {safe_file::mode::automatic, safe_file::mode::named_temporary}) {
        temp_dir dir;
        {
            safe_file f(dir.path, m);
            f.write(hello);
        }
        CHECK(dir.entries() == 0);
    }
}

TEST_CASE("first_free_name and free_space", "[safe_file]") {
    temp_dir dir;
    CHECK(first_free_name(dir.path, "a.txt") == "a.txt");
    std::ofstream(dir.path / "a.txt") << "1";
    std::ofstream(dir.path / "a (1).txt") << "2";
    CHECK(first_free_name(dir.path, "a.txt") == "a (2).txt");
    CHECK(free_space(dir.path) > 0);
    CHECK_THROWS_AS(free_space(dir.path / "missing"), failure);
    CHECK_THROWS_AS(safe_file(dir.path / "missing"), failure);
}
