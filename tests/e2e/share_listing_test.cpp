// `ferry receive --list` against shares written by the test: a listing announces no reconnects
// and so ends at once when its connection does, and it prints each entry as it comes instead of
// holding a hostile share's endless listing.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/support/fake_share.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

std::vector<msg::entry> files(std::size_t n, std::size_t name_length) {
    std::vector<msg::entry> out;
    const std::string name(name_length, 'n');
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(msg::entry{msg::entry_type::file, 0644, 0, 1, name + std::to_string(i), ""});
    }
    return out;
}

}  // namespace

TEST_CASE("a listing whose share goes away ends at once instead of reconnecting", "[share][e2e]") {
    relay_fixture relay;
    const temp_dir out;
    fake_share share(relay.port(), fake_listing{files(3, 8), false, false});
    // Reconnects for ten minutes, had it announced them: the listing must not wait for that.
    auto lister = start_receiver(relay.address(), share.code(), out.path,
                                 {"--list", "--reconnect-for", "10min"});
    const auto code = lister->wait(60s);
    INFO(lister->error_output());
    CHECK(code == exit_peer);
    CHECK_THAT(lister->error_output(), Catch::Contains("the sender went away"));
    CHECK_THAT(lister->error_output(), !Catch::Contains("reconnect"));
    CHECK(share.finish().empty());
    CHECK(out.entries().empty());
}

TEST_CASE("a listing prints its entries as they come, before the share has ended it",
          "[share][e2e]") {
    relay_fixture relay;
    const temp_dir out;
    // 5,000 entries of 200-character names, about a MiB of lines; the share then holds LISTED
    // back until the receiver has shown them (a receiver holding every row shows nothing).
    constexpr std::size_t count = 5000;
    const auto entries = files(count, 200);
    fake_share share(relay.port(), fake_listing{entries, true, true});
    auto lister = start_receiver(relay.address(), share.code(), out.path, {"--list"});
    const auto wanted = entries[count - 1000].path;  // past any stdio buffer
    bool shown = false;
    std::size_t lines = 0;
    for (std::string line = lister->read_line(60s); !line.empty(); line = lister->read_line(60s)) {
        ++lines;
        if (line.ends_with("  " + wanted)) {
            shown = true;
            break;
        }
    }
    CHECK(shown);
    share.release();
    CHECK(share.finish().empty());
    const auto rest = lister->read_output_to_end(60s);
    CHECK(lister->wait(30s) == 0);
    CHECK_THAT(rest, Catch::Contains("5,000 files in 0 folders"));
}
