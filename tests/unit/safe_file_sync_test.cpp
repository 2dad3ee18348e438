// A received file counts as saved only once its folder is synced: a failed fsync of the folder
// fails the save and leaves nothing behind.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "common/ui/exit_code.hpp"
#include "receiver/safe_file.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::receiver;
using namespace ferry::test;

namespace {

const std::vector<std::uint8_t> hello{'h', 'e', 'l', 'l', 'o'};

int sync_calls = 0;  // of counting_sync, by the test on this thread

int counting_sync(int fd) {
    ++sync_calls;
    return ::fsync(fd);
}

int failing_sync(int /*fd*/) {
    errno = EIO;
    return -1;
}

}  // namespace

TEST_CASE("commit syncs the folder once the file has its name", "[safe_file]") {
    const auto m = GENERATE(safe_file::mode::automatic, safe_file::mode::named_temporary);
    temp_dir dir;
    sync_calls = 0;
    {
        safe_file f(dir.path, m, disk_writer::mode::automatic, counting_sync);
        f.write(hello);
        CHECK(f.commit("a.txt") == "a.txt");
    }
    CHECK(sync_calls == 1);
    CHECK(dir.entries() == std::vector<std::string>{"a.txt"});
}

TEST_CASE("a folder that cannot be synced fails the save and keeps nothing", "[safe_file]") {
    const auto m = GENERATE(safe_file::mode::automatic, safe_file::mode::named_temporary);
    temp_dir dir;
    std::optional<failure> result;
    {
        safe_file f(dir.path, m, disk_writer::mode::automatic, failing_sync);
        f.write(hello);
        try {
            f.commit("a.txt");
        } catch (const failure& e) {
            result = e;
        }
        CHECK(dir.entries().empty());  // the name is gone at once, not only when f goes
    }
    REQUIRE(result.has_value());
    CHECK(result->code() == exit_code::local_io);
    CHECK_THAT(result->what(), Catch::Contains("cannot save a.txt") &&
                                   Catch::Contains(std::strerror(EIO)) &&
                                   Catch::Contains("nothing was kept"));
    CHECK(dir.entries().empty());
}
