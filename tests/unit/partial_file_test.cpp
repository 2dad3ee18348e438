// partial_file keeps what a stopped receiver wrote, finds it again for the same offer, trusts
// only what the state file vouches for, and never leaves anything under a final name unasked.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "common/ui/exit_code.hpp"
#include "receiver/partial_file.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::receiver;
using ferry::test::temp_dir;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t mib = 1024 * 1024;

std::vector<std::uint8_t> bytes_of(std::size_t n, std::uint8_t seed) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::uint8_t>(i * 31 + seed);
    return v;
}

// Writes `n` bytes of the offer through a partial_file that then goes without commit().
kept_partial interrupted(const fs::path& dir, const msg::offer& o, std::size_t n) {
    kept_partial kept;
    partial_file f(dir, o, false, kept);
    f.start(0);
    f.write(bytes_of(n, 1));
    return kept;
}

fs::path only_folder(const fs::path& dir) {
    for (const auto& e : fs::directory_iterator(dir))
        return e.path();
    return {};
}

}  // namespace

TEST_CASE("what a stopped receiver wrote is kept and found again by the same offer", "[partial]") {
    temp_dir dir;
    const msg::offer o{0, 20 * mib, "f.bin"};
    const auto kept = interrupted(dir.path, o, 5 * mib + 100);
    CHECK(kept.bytes == 5 * mib + 100);
    CHECK(kept.folder.starts_with(".ferry-partial-"));
    CHECK(dir.entries() == std::vector<std::string>{kept.folder});
    struct stat st {};
    REQUIRE(::stat((dir.path / kept.folder).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777U) == 0700);

    kept_partial again;
    partial_file f(dir.path, o, false, again);
    CHECK(f.kept() == 5 * mib);  // a multiple of 4096
    while (!f.hash_kept_step()) {
    }
    sha256 h;
    h.update(byte_span(bytes_of(5 * mib + 100, 1)).first(5 * mib));
    CHECK(f.kept_digest() == h.finish());
}

TEST_CASE("a file of the same name and another size replaces what was kept", "[partial]") {
    temp_dir dir;
    const auto kept = interrupted(dir.path, msg::offer{0, 20 * mib, "f.bin"}, 5 * mib);
    const msg::offer grown{0, 21 * mib, "f.bin"};
    kept_partial again;
    {
        partial_file g(dir.path, grown, false, again);
        CHECK(g.kept() == 0);  // its state names the other size: sent whole
        CHECK(g.folder_name() == kept.folder);
        g.start(0);
        g.write(bytes_of(21 * mib, 2));
        g.finish();
        CHECK(g.commit("f.bin") == "f.bin");
    }
    CHECK(dir.entries() == std::vector<std::string>{"f.bin"});  // no partial left behind
    CHECK(fs::file_size(dir.path / "f.bin") == 21 * mib);
}

TEST_CASE("after a restart only the synced part counts, and a foreign state none", "[partial]") {
    temp_dir dir;
    const msg::offer o{0, 20 * mib, "f.bin"};
    const auto kept = interrupted(dir.path, o, 6 * mib);
    const auto state_path = dir.path / kept.folder / "state";
    partial_state s{transfer_id_of(o), 2 * mib + 5, {}};
    std::fill(s.boot.begin(), s.boot.end(), 'x');  // another boot: a power loss since
    SECTION("another boot") {
        const auto b = encode_state(s);
        std::ofstream(state_path, std::ios::binary | std::ios::trunc)
            .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
        kept_partial again;
        partial_file f(dir.path, o, false, again);
        CHECK(f.kept() == 2 * mib);
    }
    SECTION("another transfer's state") {
        s.id = transfer_id_of(msg::offer{0, 20 * mib, "g.bin"});
        const auto b = encode_state(s);
        std::ofstream(state_path, std::ios::binary | std::ios::trunc)
            .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
        kept_partial again;
        partial_file f(dir.path, o, false, again);
        CHECK(f.kept() == 0);
    }
    SECTION("--no-resume") {
        kept_partial again;
        partial_file f(dir.path, o, true, again);
        CHECK(f.kept() == 0);
    }
}

TEST_CASE("a commit gives the final name and removes the staging folder", "[partial]") {
    temp_dir dir;
    const msg::offer o{0, 3 * mib, "f.bin"};
    std::ofstream(dir.path / "f.bin") << "already here";
    kept_partial kept;
    {
        partial_file f(dir.path, o, false, kept);
        f.start(0);
        f.write(bytes_of(3 * mib, 2));
        CHECK(f.commit("f.bin") == "f (1).bin");
    }
    CHECK(kept.folder.empty());
    auto names = dir.entries();
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"f (1).bin", "f.bin"});
    CHECK(fs::file_size(dir.path / "f (1).bin") == 3 * mib);
}

TEST_CASE("discarded or empty data is not kept and earlier data survives a no", "[partial]") {
    temp_dir dir;
    const msg::offer o{0, 20 * mib, "f.bin"};
    SECTION("discarded") {
        kept_partial kept;
        {
            partial_file f(dir.path, o, false, kept);
            f.start(0);
            f.write(bytes_of(mib, 3));
            f.discard();
        }
        CHECK(kept.folder.empty());
        CHECK(dir.entries().empty());
    }
    SECTION("nothing written") {
        kept_partial kept;
        { partial_file f(dir.path, o, false, kept); }
        CHECK(dir.entries().empty());
    }
    SECTION("an earlier try's data, not started this time") {
        interrupted(dir.path, o, 2 * mib);
        kept_partial kept;
        { partial_file f(dir.path, o, false, kept); }  // the person said no
        kept_partial again;
        partial_file f(dir.path, o, false, again);
        CHECK(f.kept() == 2 * mib);
    }
}

TEST_CASE("a staging folder that is not private or is in use is refused", "[partial]") {
    temp_dir dir;
    const msg::offer o{0, 20 * mib, "f.bin"};
    interrupted(dir.path, o, mib);
    const auto folder = only_folder(dir.path);
    SECTION("open to others") {
        REQUIRE(::chmod(folder.c_str(), 0755) == 0);
        kept_partial kept;
        CHECK_THROWS_WITH(partial_file(dir.path, o, false, kept),
                          Catch::Contains("not a private folder"));
    }
    SECTION("a second receiver of the same file") {
        kept_partial kept;
        partial_file first(dir.path, o, false, kept);
        kept_partial kept2;
        CHECK_THROWS_WITH(partial_file(dir.path, o, false, kept2),
                          Catch::Contains("another ferry receive is writing this transfer"));
    }
    SECTION("a symlink in its place") {
        fs::remove_all(folder);
        fs::create_directory(dir.path / "elsewhere");
        fs::create_directory_symlink(dir.path / "elsewhere", folder);
        kept_partial kept;
        CHECK_THROWS_AS(partial_file(dir.path, o, false, kept), failure);
        CHECK(fs::is_empty(dir.path / "elsewhere"));
    }
}

TEST_CASE("discard_partials removes every kept transfer", "[partial]") {
    temp_dir dir;
    interrupted(dir.path, msg::offer{0, 20 * mib, "a.bin"}, mib);
    interrupted(dir.path, msg::offer{0, 20 * mib, "b.bin"}, 2 * mib);
    std::ofstream(dir.path / "keep.txt") << "mine";
    SECTION("none in use") {
        const auto removed = discard_partials(dir.path);
        CHECK(removed.folders == 2);
        CHECK(removed.bytes == 3 * mib);
        CHECK(removed.busy == 0);
        CHECK(dir.entries() == std::vector<std::string>{"keep.txt"});
    }
    SECTION("one of them being written") {
        kept_partial kept;
        partial_file running(dir.path, msg::offer{0, 20 * mib, "a.bin"}, false, kept);
        const auto removed = discard_partials(dir.path);
        CHECK(removed.folders == 1);
        CHECK(removed.busy == 1);
        CHECK(dir.entries().size() == 2);
    }
}
