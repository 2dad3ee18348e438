// A file that changes while it is being sent: the sender notices before DONE and stops with the
// file's name (exit 7), the receiver hears why and keeps nothing. Without the check, an append
// arrived cut at the old size and an overwrite as a mix of old and new bytes, both "verified".
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;

namespace {

// At 4 MiB/s, 16 MiB take about four seconds to read: the change below, made as soon as the
// receiver has accepted, lands long before the sender reaches the last byte.
constexpr std::uint64_t file_size = std::uint64_t{16} << 20;

// Until the receiver says it is receiving: it has accepted, so the sender has started to read.
bool wait_until_receiving(process& receiver) {
    for (int line = 0; line < 20; ++line) {
        const auto text = receiver.read_error_line();
        if (text.find("Receiving") != std::string::npos) return true;
        if (text.empty()) return false;  // nothing more within the timeout
    }
    return false;
}

void append_bytes(const fs::path& path) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << "more";
}

void overwrite_last_byte(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    const char byte = 'x';
    REQUIRE(::pwrite(fd, &byte, 1, static_cast<off_t>(file_size - 1)) == 1);
    ::close(fd);
}

}  // namespace

TEST_CASE("a file changed while it is sent fails on both sides and nothing is saved",
          "[transfer][e2e]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    const auto path = in.path / "f.bin";
    make_file(path, file_size);
    const bool append = GENERATE(true, false);
    INFO((append ? "appended to" : "overwritten in place"));

    auto s = start_sender(relay.address(), path, {"--limit-rate", "4M"});
    REQUIRE(!s.code.empty());
    auto r = start_receiver(relay.address(), s.code, out.path);
    REQUIRE(wait_until_receiving(*r));
    if (append) {
        append_bytes(path);
    } else {
        overwrite_last_byte(path);
    }

    CHECK(s.proc->wait() == exit_local_io);
    CHECK_THAT(s.proc->error_output(), Catch::Contains("f.bin changed while it was being sent"));
    CHECK(r->wait() != 0);  // which code is the receiver's business; that it fails is not
    CHECK_THAT(r->error_output(), Catch::Contains("f.bin changed while it was being sent"));
    // What came may be kept for a resume, which checks it against the file as it is then.
    CHECK(out.final_entries().empty());
}
