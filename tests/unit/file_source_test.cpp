// The file being sent: a change while it is read fails the transfer instead of sending a mix, and
// reads can run off the io thread.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

#include "common/ui/exit_code.hpp"
#include "sender/background_reader.hpp"
#include "sender/file_source.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::sender;
using namespace ferry::test;

namespace {

constexpr std::uint64_t file_size = 1000;

std::vector<std::uint8_t> contents(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Reads the rest of `file` in pieces of `chunk` bytes, appending to `out`; the failure, if any.
std::optional<failure> read_rest(file_source& file, std::vector<std::uint8_t>& out,
                                 std::size_t chunk) {
    std::vector<std::uint8_t> buffer(chunk);
    try {
        while (out.size() < file.size()) {
            const auto n = file.read(buffer);
            out.insert(out.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
        }
    } catch (const failure& f) {
        return f;
    }
    return std::nullopt;
}

void append(const fs::path& path, std::size_t n) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << std::string(n, 'x');
}

// Overwrites one byte without changing the size, and sets the mtime an hour back, so that it
// differs from the one at open however coarse the clock (ctime moves too, but may not tick).
void overwrite_in_place(const fs::path& path, off_t offset) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    struct stat st {};
    REQUIRE(::fstat(fd, &st) == 0);
    const std::uint8_t byte = 0x5a;
    REQUIRE(::pwrite(fd, &byte, 1, offset) == 1);
    timespec times[2] = {{0, UTIME_OMIT}, {st.st_mtim.tv_sec - 3600, st.st_mtim.tv_nsec}};
    REQUIRE(::futimens(fd, times) == 0);
    ::close(fd);
}

void check_changed(const std::optional<failure>& f) {
    REQUIRE(f.has_value());
    CHECK(f->code() == exit_code::local_io);
    CHECK_THAT(f->what(), Catch::Contains("f.bin changed while it was being sent") &&
                              Catch::Contains("send it again"));
}

// Runs the coroutine `body()` on an io_context on this thread until it is done.
template <class Body>
void run_on_io(Body body) {
    asio::io_context io;
    std::exception_ptr error;
    asio::co_spawn(io, body(), [&](std::exception_ptr e) { error = std::move(e); });
    io.run();
    if (error) std::rethrow_exception(error);
}

}  // namespace

TEST_CASE("a file that does not change is read whole without complaint", "[file_source]") {
    temp_dir dir;
    const auto path = dir.path / "f.bin";
    make_file(path, file_size);
    file_source file(path);
    std::vector<std::uint8_t> got;
    CHECK_FALSE(read_rest(file, got, 300).has_value());
    CHECK(got == contents(path));
}

TEST_CASE("a file that changes while it is read fails with its name", "[file_source]") {
    temp_dir dir;
    const auto path = dir.path / "f.bin";
    make_file(path, file_size);
    file_source file(path);
    std::vector<std::uint8_t> got;
    std::vector<std::uint8_t> first(600);
    REQUIRE(file.read(first) == first.size());
    got = first;

    SECTION("it grows: the reads never reach the new bytes, the size at the end does") {
        append(path, 10);
        check_changed(read_rest(file, got, 300));
    }
    SECTION("it is written to in place, keeping its size") {
        overwrite_in_place(path, 900);
        check_changed(read_rest(file, got, 300));
    }
    SECTION("the part already read is written to") {
        overwrite_in_place(path, 10);
        check_changed(read_rest(file, got, 300));
    }
    SECTION("it shrinks below the part still to read") {
        REQUIRE(::truncate(path.c_str(), 800) == 0);
        check_changed(read_rest(file, got, 300));
    }
    SECTION("it shrinks below the part already read") {
        REQUIRE(::truncate(path.c_str(), 100) == 0);
        check_changed(read_rest(file, got, 300));
    }
}

TEST_CASE("read_async gives the file's bytes and resumes on the caller's thread", "[file_source]") {
    temp_dir dir;
    const auto path = dir.path / "f.bin";
    const std::uint64_t size = (std::uint64_t{1} << 20) + 123;  // several reads, a short last one
    make_file(path, size);
    const auto cached = GENERATE(file_source::cached_reads::on_caller_thread,
                                 file_source::cached_reads::on_reader_thread);
    file_source file(path, cached);
    std::vector<std::uint8_t> got;
    const auto caller = std::this_thread::get_id();
    bool always_on_caller = true;
    run_on_io([&]() -> awaitable<void> {
        std::vector<std::uint8_t> buffer(64 * 1024);
        while (got.size() < file.size()) {
            const auto n = co_await file.read_async(buffer);
            always_on_caller = always_on_caller && std::this_thread::get_id() == caller;
            got.insert(got.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
        }
    });
    CHECK(always_on_caller);
    CHECK(got == contents(path));
}

TEST_CASE("read_async fails for a file that changed, through either thread", "[file_source]") {
    temp_dir dir;
    const auto path = dir.path / "f.bin";
    make_file(path, file_size);
    const auto cached = GENERATE(file_source::cached_reads::on_caller_thread,
                                 file_source::cached_reads::on_reader_thread);
    file_source file(path, cached);
    std::optional<failure> result;
    run_on_io([&]() -> awaitable<void> {
        std::vector<std::uint8_t> buffer(600);
        co_await file.read_async(buffer);
        append(path, 1);
        try {
            co_await file.read_async(buffer);
        } catch (const failure& f) {
            result = f;
        }
    });
    check_changed(result);
}

TEST_CASE("a background read leaves the io thread free and brings back the job's exception",
          "[file_source]") {
    std::mutex mutex;
    std::condition_variable changed;
    bool io_ran = false;  // guarded by mutex
    std::thread::id job_thread;
    bool fail = false;
    // The job waits until the io thread has run something else: done on the io thread, it would
    // wait in vain (up to the bound) and return 0.
    background_reader reader([&](mutable_byte_span into) -> std::size_t {
        job_thread = std::this_thread::get_id();
        if (fail) throw failure(exit_code::local_io, "the disk is on fire");
        std::unique_lock lock(mutex);
        const bool ok = changed.wait_for(lock, std::chrono::seconds(10), [&] { return io_ran; });
        return ok ? into.size() : 0;
    });
    std::vector<std::uint8_t> buffer(10);
    std::size_t n = 0;
    std::string error;
    asio::io_context io;
    asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
            n = co_await reader.read(buffer);
            fail = true;
            try {
                co_await reader.read(buffer);
            } catch (const failure& f) {
                error = f.what();
            }
        },
        asio::detached);
    asio::post(io, [&] {
        const std::lock_guard lock(mutex);
        io_ran = true;
        changed.notify_all();
    });
    io.run();
    CHECK(n == buffer.size());
    CHECK(job_thread != std::this_thread::get_id());
    CHECK(error == "the disk is on fire");
}
