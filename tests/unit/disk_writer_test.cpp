#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <random>
#include <vector>

#include "common/ui/exit_code.hpp"
#include "receiver/disk_writer.hpp"
#include "receiver/pipe_writer.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::receiver;
using ferry::test::temp_dir;

namespace {

constexpr std::size_t block = disk_writer::block_size;

std::vector<std::uint8_t> pattern(std::size_t size) {
    std::vector<std::uint8_t> v(size);
    std::mt19937 rng(static_cast<std::uint32_t>(size));
    for (auto& b : v)
        b = static_cast<std::uint8_t>(rng());
    return v;
}

std::vector<std::uint8_t> read_back(int fd) {
    std::vector<std::uint8_t> v(static_cast<std::size_t>(::lseek(fd, 0, SEEK_END)));
    std::size_t got = 0;
    while (got < v.size()) {
        const auto n = ::pread(fd, v.data() + got, v.size() - got, static_cast<off_t>(got));
        REQUIRE(n > 0);
        got += static_cast<std::size_t>(n);
    }
    return v;
}

// Feeds `data` in pieces: one piece, the receiver's record size plus one, or random sizes.
void feed(disk_writer& w, const std::vector<std::uint8_t>& data, int how) {
    std::mt19937 rng(7);
    std::size_t at = 0;
    while (at < data.size()) {
        std::size_t n = data.size() - at;
        if (how == 1) n = std::min<std::size_t>(n, 256 * 1024 + 1);
        if (how == 2) n = std::min<std::size_t>(n, 1 + rng() % (3 * block / 2));
        w.write(byte_span(data).subspan(at, n));
        at += n;
    }
}

sha256_digest sha256_of(const std::vector<std::uint8_t>& data) {
    sha256 h;
    h.update(data);
    return h.finish();
}

int open_file(const temp_dir& dir) {
    const auto path = dir.path / "out.bin";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    return fd;
}

}  // namespace

TEST_CASE("disk_writer writes every byte for every length and way of feeding", "[disk_writer]") {
    const auto m = GENERATE(disk_writer::mode::automatic, disk_writer::mode::buffered);
    const auto size =
        GENERATE(std::size_t{0}, std::size_t{1}, std::size_t{4095}, std::size_t{4096},
                 std::size_t{4097}, block - 1, block, block + 1, 2 * block + 4096 + 7);
    const auto how = GENERATE(0, 1, 2);
    INFO("mode " << static_cast<int>(m) << " size " << size << " feeding " << how);
    temp_dir dir;
    const int fd = open_file(dir);
    const auto data = pattern(size);
    {
        disk_writer w(fd, "out", m);
        if (m == disk_writer::mode::buffered) CHECK_FALSE(w.direct());
        if (m == disk_writer::mode::automatic && !w.direct()) WARN("no O_DIRECT on /tmp here");
        feed(w, data, how);
        CHECK(w.finish() == sha256_of(data));
        CHECK(w.finished());
        CHECK_THROWS_AS(w.write(data), std::logic_error);
    }
    CHECK(read_back(fd) == data);
    // The descriptor is left as it was found.
    CHECK((::fcntl(fd, F_GETFL) & O_DIRECT) == 0);
    ::close(fd);
}

TEST_CASE("a write error reaches the caller as a local I/O failure and stays", "[disk_writer]") {
    const auto m = GENERATE(disk_writer::mode::automatic, disk_writer::mode::buffered);
    const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    {
        disk_writer w(fd, "the folder", m);
        const auto data = pattern(2 * block + 1);
        // The first full block is written in the background: its error shows up at the latest
        // when the next block is handed over, or at finish().
        bool failed = false;
        try {
            w.write(data);
            w.finish();
        } catch (const failure& f) {
            failed = true;
            CHECK(f.code() == exit_code::local_io);
            CHECK_THAT(f.what(), Catch::StartsWith("cannot write into the folder: "));
        }
        CHECK(failed);
        CHECK_THROWS_AS(w.finish(), failure);  // the error stays
    }
    ::close(fd);
}

TEST_CASE("a resumed file is written from its offset and hashed from its prefix on",
          "[disk_writer]") {
    temp_dir dir;
    const int fd = ::open((dir.path / "f").c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    const auto data = pattern(3 * block + 12345);
    const std::size_t kept = block + 8192;  // the prefix on disk already
    REQUIRE(::pwrite(fd, data.data(), kept, 0) == static_cast<ssize_t>(kept));
    sha256 prefix;
    prefix.update(byte_span(data).first(kept));
    std::vector<std::uint64_t> synced;
    {
        disk_writer w(fd, "dir");
        w.start_at(kept, prefix);
        // Bytes 0 and interval 0: a sync after every block, each one's end reported.
        w.on_durable([&](std::uint64_t at) { synced.push_back(at); }, 0,
                     std::chrono::milliseconds(0));
        feed(w, std::vector<std::uint8_t>(data.begin() + kept, data.end()), 1);
        sha256 whole;
        whole.update(data);
        CHECK(w.finish() == whole.finish());
    }
    CHECK(read_back(fd) == data);
    // The whole blocks after the prefix, in order; the tail is synced by whoever commits.
    CHECK(synced == std::vector<std::uint64_t>{kept + block, kept + 2 * block});
    ::close(fd);
}

// A stream cut short reports what standard output got: once stop() returns, the count holds
// every byte a reader of the pipe has seen, and nothing written later can wait forever.
TEST_CASE("pipe_writer: after stop, written() counts every byte the reader got", "[pipe_writer]") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const auto bytes = pattern(4096);
    for (int round = 0; round < 200; ++round) {
        pipe_writer writer(fds[1], "the test pipe");
        writer.write(byte_span(bytes.data(), bytes.size()));
        std::vector<std::uint8_t> got(bytes.size());
        std::size_t have = 0;
        while (have < got.size()) {
            const auto n = ::read(fds[0], got.data() + have, got.size() - have);
            REQUIRE(n > 0);
            have += static_cast<std::size_t>(n);
        }
        writer.stop();
        REQUIRE(writer.written() == bytes.size());
        CHECK_THROWS_AS(writer.write(byte_span(bytes.data(), 1)), failure);
    }
    ::close(fds[0]);
    ::close(fds[1]);
}
