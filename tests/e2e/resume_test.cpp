// An interrupted transfer of a file continues where it stopped when it is run again (a new
// code, the same folder): the receiver keeps what came in a hidden folder and says so, the
// sender checks those bytes against its own, and only the rest crosses.
#include <catch2/catch.hpp>

#include <fstream>

#include "tests/support/helpers.hpp"
#include "tests/support/resume_runs.hpp"

using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t mib = 1024 * 1024;

std::uint64_t partial_bytes(const fs::path& out) {
    const auto folder = partial_folder(out);
    std::error_code ec;
    const auto n = folder.empty() ? 0 : fs::file_size(folder / "data", ec);
    return ec ? 0 : n;
}

// Sends `file` paced and stops one side once the receiver has written `at` bytes.
first_try interrupted(const std::string& relay, const fs::path& file, const fs::path& out,
                      std::uint64_t at, stop how,
                      std::vector<std::string> sender_args = {"--limit-rate", "64M"}) {
    auto t = run_interrupted(
        relay, {file}, out, [&] { return partial_bytes(out) >= at; }, how, std::move(sender_args));
    REQUIRE(t.started);
    REQUIRE(t.reached);
    return t;
}

// The same file sent again, at full speed, to a receiver behind a forwarder that counts.
second_try again(const relay_fixture& relay, const fs::path& file, const fs::path& out,
                 const std::vector<std::string>& receiver_args = {"--yes"},
                 const std::vector<std::string>& sender_args = {}) {
    auto t = run_again(relay, {file}, out, receiver_args, sender_args);
    REQUIRE(t.started);
    return t;
}

// f.bin of `size` bytes (pseudo-random from `seed`), whose first transfer was killed on the
// receiver's side once it had written `at` bytes: its partial data waits in `out`.
struct killed_once {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    fs::path file;
    killed_once(std::uint64_t size, std::uint32_t seed, std::uint64_t at)
        : file(in.path / "f.bin") {
        make_file(file, size, seed);
        interrupted(relay.address(), file, out.path, at, stop::receiver_killed);
        REQUIRE(partial_bytes(out.path) >= at);
    }
    // The file sent again, as run_again does.
    second_try send_again(const std::vector<std::string>& receiver_args = {"--yes"}) {
        return again(relay, file, out.path, receiver_args);
    }
    // The second try was told that the kept bytes differ from the sender's: all of f.bin
    // crossed again, and it arrived whole.
    void check_sent_from_start(const second_try& second, std::uint64_t size) const {
        INFO(second.receiver_errors);
        CHECK(second.receiver_exit == 0);
        CHECK_THAT(second.receiver_errors,
                   Catch::Contains("changed since the interrupted transfer"));
        CHECK(second.crossed >= size);
        CHECK(arrived_whole());
    }
    [[nodiscard]] bool arrived_whole() const {
        return sha256_of(out.path / "f.bin") == sha256_of(file);
    }
};

// Text that zstd shrinks to about half: the hex digits of pseudo-random bytes, in lines.
void make_text_file(const fs::path& path, std::uint64_t size) {
    std::ofstream out(path, std::ios::binary);
    std::uint64_t x = 88172645463325252ULL;
    static constexpr char digits[] = "0123456789abcdef";
    std::string line;
    for (std::uint64_t written = 0; written < size; written += line.size()) {
        line.clear();
        for (int i = 0; i < 63; ++i) {
            x ^= x << 13U;
            x ^= x >> 7U;
            x ^= x << 17U;
            line.push_back(digits[x & 0xfU]);
        }
        line.push_back('\n');
        if (size - written < line.size()) line.resize(size - written);
        out << line;
    }
}

}  // namespace

TEST_CASE("a transfer stopped at about half resumes and only the rest crosses", "[e2e][resume]") {
    const auto how = GENERATE(stop::receiver_killed, stop::sender_killed,
                              stop::receiver_interrupted, stop::sender_interrupted);
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    constexpr std::uint64_t size = 256 * mib;
    make_file(in.path / "big.bin", size, 7);
    const auto first = interrupted(relay.address(), in.path / "big.bin", out.path, size / 2, how);
    INFO(first.receiver_errors);
    if (how == stop::receiver_interrupted) {
        CHECK(first.receiver_exit == exit_interrupted);
    } else if (how != stop::receiver_killed) {
        CHECK(first.receiver_exit == exit_peer);
    }
    if (how != stop::receiver_killed) {  // it had the time to say so
        CHECK_THAT(first.receiver_errors,
                   Catch::Contains("of partial data in") &&
                       Catch::Contains("run the same transfer again to resume") &&
                       Catch::Contains("ferry receive --discard-partial"));
    }
    const auto kept = partial_bytes(out.path);
    CHECK(kept >= size / 2);
    CHECK(!fs::exists(out.path / "big.bin"));  // nothing under a final name

    const auto second = again(relay, in.path / "big.bin", out.path);
    INFO(second.receiver_errors);
    CHECK(second.receiver_exit == 0);
    CHECK(second.sender_exit == 0);
    CHECK_THAT(second.receiver_errors, Catch::Contains("were already here"));
    CHECK(sha256_of(out.path / "big.bin") == sha256_of(in.path / "big.bin"));
    CHECK(second.crossed <= size * 55 / 100);
    CHECK(second.crossed >= size - kept);
    CHECK(out.entries() == std::vector<std::string>{"big.bin"});
}

TEST_CASE("a file that changed since the first try is sent again from its start", "[e2e][resume]") {
    constexpr std::uint64_t size = 32 * mib;
    killed_once t(size, 3, 8 * mib);
    // The same size, one byte changed in the part the receiver kept.
    flip_byte(t.file, 1000);
    t.check_sent_from_start(t.send_again(), size);
    CHECK(t.out.entries() == std::vector<std::string>{"f.bin"});
}

TEST_CASE("a file whose size changed since is sent whole and leaves no partial", "[e2e][resume]") {
    constexpr std::uint64_t size = 32 * mib;
    killed_once t(size, 5, 8 * mib);
    {
        std::ofstream grown(t.file, std::ios::binary | std::ios::app);
        grown << std::string(4096, 'x');
    }
    const auto second = t.send_again();
    INFO(second.receiver_errors);
    CHECK(second.receiver_exit == 0);
    CHECK(second.crossed >= size + 4096);
    CHECK(t.arrived_whole());
    CHECK(t.out.entries() == std::vector<std::string>{"f.bin"});  // the old partial went too
}

TEST_CASE("damaged kept data is caught by the sender's check and sent again", "[e2e][resume]") {
    constexpr std::uint64_t size = 32 * mib;
    killed_once t(size, 4, 8 * mib);
    flip_byte(partial_folder(t.out.path) / "data", 5 * mib);
    // Offered, compared, refused: the sender's bytes differ from what is on the disk here.
    t.check_sent_from_start(t.send_again(), size);
}

TEST_CASE("a truncated garbled or foreign state file means a fresh start", "[e2e][resume]") {
    const auto damage = GENERATE(as<std::string>{}, "truncated", "garbled", "foreign", "missing");
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    constexpr std::uint64_t size = 16 * mib;
    make_file(in.path / "f.bin", size, 5);
    make_file(in.path / "g.bin", size, 6);
    if (damage == "foreign") {  // the state of another transfer, g.bin's
        temp_dir other;
        interrupted(relay.address(), in.path / "g.bin", other.path, 4 * mib, stop::receiver_killed);
        REQUIRE(!partial_folder(other.path).empty());
        interrupted(relay.address(), in.path / "f.bin", out.path, 4 * mib, stop::receiver_killed);
        fs::copy_file(partial_folder(other.path) / "state", partial_folder(out.path) / "state",
                      fs::copy_options::overwrite_existing);
    } else {
        interrupted(relay.address(), in.path / "f.bin", out.path, 4 * mib, stop::receiver_killed);
    }
    const auto state = partial_folder(out.path) / "state";
    REQUIRE(fs::exists(state));
    if (damage == "truncated") fs::resize_file(state, 50);
    if (damage == "garbled") flip_byte(state, 45);
    if (damage == "missing") fs::remove(state);
    const auto second = again(relay, in.path / "f.bin", out.path);
    INFO(damage << ": " << second.receiver_errors);
    CHECK(second.receiver_exit == 0);
    CHECK(second.receiver_errors.find("already here") == std::string::npos);
    CHECK(second.crossed >= size);
    CHECK(sha256_of(out.path / "f.bin") == sha256_of(in.path / "f.bin"));
    CHECK(out.entries() == std::vector<std::string>{"f.bin"});
}

TEST_CASE("no-resume starts afresh and discard-partial removes what was kept", "[e2e][resume]") {
    constexpr std::uint64_t size = 16 * mib;
    killed_once t(size, 8, 4 * mib);
    SECTION("--no-resume") {
        const auto second = t.send_again({"--yes", "--no-resume"});
        INFO(second.receiver_errors);
        CHECK(second.receiver_exit == 0);
        CHECK(second.receiver_errors.find("already here") == std::string::npos);
        CHECK(second.crossed >= size);
        CHECK(t.arrived_whole());
        CHECK(t.out.entries() == std::vector<std::string>{"f.bin"});
    }
    SECTION("--discard-partial") {
        process d({ferry_binary(), "receive", "--discard-partial", "-o", t.out.path.string()});
        CHECK(d.wait() == 0);
        CHECK_THAT(d.output(), Catch::Contains("Removed 1 partial transfer"));
        CHECK(t.out.entries().empty());
    }
}

TEST_CASE("a disk that fills up keeps what was written and once freed the transfer resumes",
          "[e2e][resume]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    constexpr std::uint64_t size = 16 * mib;
    make_file(in.path / "f.bin", size, 9);
    // A file size limit of 6 MiB: the disk "fills up" in the middle.
    const auto first = run_on_full_disk(relay.address(), {in.path / "f.bin"}, out.path, 6 * mib);
    REQUIRE(first.started);
    CHECK(first.receiver_exit == exit_local_io);
    const auto& errors = first.receiver_errors;
    INFO(errors);
    CHECK_THAT(errors, Catch::Contains("File too large") && Catch::Contains("of partial data in"));
    CHECK(partial_bytes(out.path) >= 4 * mib);
    const auto second = again(relay, in.path / "f.bin", out.path);
    INFO(second.receiver_errors);
    CHECK(second.receiver_exit == 0);
    CHECK(second.crossed <= size * 3 / 4);
    CHECK(sha256_of(out.path / "f.bin") == sha256_of(in.path / "f.bin"));
}

TEST_CASE("a resume carries on uncompressed and with compressed data alike", "[e2e][resume]") {
    const auto compress = GENERATE(as<std::string>{}, "off", "auto");
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    constexpr std::uint64_t size = 24 * mib;
    // Text for auto (ZDATA on the wire, limited to 2 MB/s of it), random bytes for off.
    if (compress == "auto") {
        make_text_file(in.path / "f.txt", size);
    } else {
        make_file(in.path / "f.txt", size, 10);
    }
    const std::vector<std::string> paced{"--compress", compress, "--limit-rate",
                                         compress == "auto" ? "2M" : "8M"};
    // With compression the receiver's own end is the one that keeps: its decompressing thread
    // hands what it has to the file before it goes.
    const auto how = compress == "auto" ? stop::sender_killed : stop::receiver_killed;
    interrupted(relay.address(), in.path / "f.txt", out.path, 8 * mib, how, paced);
    const auto kept = partial_bytes(out.path);
    REQUIRE(kept >= 8 * mib);
    const auto second =
        again(relay, in.path / "f.txt", out.path, {"--yes"}, {"--compress", compress});
    INFO(compress << ": " << second.receiver_errors);
    CHECK(second.receiver_exit == 0);
    CHECK_THAT(second.receiver_errors, Catch::Contains("were already here"));
    CHECK(sha256_of(out.path / "f.txt") == sha256_of(in.path / "f.txt"));
    if (compress == "off") {
        CHECK(second.crossed <= size - kept + mib);
    } else {
        // What is left, compressed (this text to about 58 %); all of it would be 13.8 MiB.
        CHECK(second.crossed <= (size - kept) * 7 / 10);
    }
}
