// A sender that lies (test-only code): unsafe names and impossible sizes must be refused or
// made safe, and nothing may be written outside the target folder.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "common/crypto/sha256.hpp"
#include "common/transfer/message.hpp"
#include "tests/support/evil_sender.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;

TEST_CASE("unsafe names from a malicious sender are refused", "[malicious][e2e]") {
    relay_fixture relay;
    temp_dir root;
    const auto out = root.path / "a" / "b" / "inbox";
    fs::create_directories(out);
    const std::vector<std::string> names{"../../x",   "/etc/x",
                                         "a/../../x", "C:\\x",
                                         "new\nline", "\x1b]0;pwned\x07\x1b[2J",
                                         "",          std::string(10000, 'n'),
                                         "..",        std::string("nul\0x", 5)};
    for (const auto& name : names) {
        INFO("name: " << name.substr(0, 40));
        evil_sender evil(relay.port(), name, 10);
        auto r = start_receiver(relay.address(), evil.code(), out);
        const auto code = r->wait();
        const auto result = evil.finish();
        CHECK(code == 3);
        CHECK_THAT(result.answer, Catch::Contains("file name is not acceptable"));
        const auto errors = r->error_output();
        CHECK_THAT(errors, Catch::Contains("refused the file"));
        CHECK(errors.find('\x1b') == std::string::npos);  // never printed raw
        CHECK(errors.find('\x07') == std::string::npos);
    }
    // Nothing anywhere under root but the folders it was made with.
    std::vector<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(root.path)) {
        if (!e.is_directory()) files.push_back(e.path().string());
    }
    CHECK(files.empty());
}

TEST_CASE("sizes beyond the free space are refused before any byte", "[malicious][e2e]") {
    relay_fixture relay;
    temp_dir out;
    for (const std::uint64_t size : {std::uint64_t{1} << 63, ~std::uint64_t{0}}) {
        evil_sender evil(relay.port(), "huge.bin", size);
        auto r = start_receiver(relay.address(), evil.code(), out.path);
        CHECK(r->wait() == 7);
        CHECK_THAT(r->error_output(), Catch::Contains("not enough free space"));
        CHECK_THAT(evil.finish().answer, Catch::Contains("free space"));
    }
    CHECK(out.entries().empty());
}

TEST_CASE("a safe but odd name like con is kept as it is", "[malicious][e2e]") {
    relay_fixture relay;
    temp_dir out;
    sha256 empty;
    evil_sender evil(relay.port(), "con", 0, empty.finish());
    auto r = start_receiver(relay.address(), evil.code(), out.path);
    CHECK(r->wait() == 0);
    CHECK(evil.finish().answer == "accept, verified");
    CHECK(out.entries() == std::vector<std::string>{"con"});
    CHECK(fs::file_size(out.path / "con") == 0);
}

TEST_CASE("a DONE hash that does not match is an integrity error and saves nothing",
          "[malicious][e2e]") {
    relay_fixture relay;
    temp_dir out;
    msg::digest wrong{};
    wrong.fill(0xab);
    evil_sender evil(relay.port(), "empty.txt", 0, wrong);
    auto r = start_receiver(relay.address(), evil.code(), out.path);
    CHECK(r->wait() == 6);
    CHECK_THAT(r->error_output(), Catch::Contains("arrived damaged"));
    CHECK(evil.finish().answer == "accept, verified");  // the receiver says what it got
    CHECK(out.entries().empty());
}

TEST_CASE("DATA past the offered size is a protocol error and saves nothing", "[malicious][e2e]") {
    relay_fixture relay;
    temp_dir out;
    // Over the size in one record, or in one more record after exactly the size; then a DONE
    // whose hash matches all that was sent, which a receiver without the check would accept.
    const auto steps = GENERATE(std::vector<std::size_t>{11}, std::vector<std::size_t>{10, 1});
    evil_plan plan{{msg::offer{0, 10, "extra.bin"}}, {}};
    std::size_t sent = 0;
    for (const auto n : steps) {
        plan.after_accept.emplace_back(data_bytes{n});
        sent += n;
    }
    plan.after_accept.emplace_back(msg::done{hash_of_x(sent)});
    std::string errors;
    CHECK(receive_from(relay, out.path, plan, errors) == exit_protocol);
    INFO(errors);
    CHECK(out.entries().empty());
}

TEST_CASE("DONE before all offered bytes is a protocol error and saves nothing",
          "[malicious][e2e]") {
    relay_fixture relay;
    temp_dir out;
    // The hash is right for the bytes sent: only the count gives it away.
    const auto sent = GENERATE(std::size_t{0}, std::size_t{50}, std::size_t{99});
    evil_plan plan{{msg::offer{0, 100, "short.bin"}}, {}};
    if (sent > 0) plan.after_accept.emplace_back(data_bytes{sent});
    plan.after_accept.emplace_back(msg::done{hash_of_x(sent)});
    std::string errors;
    CHECK(receive_from(relay, out.path, plan, errors) == exit_protocol);
    INFO(errors);
    CHECK(out.entries().empty());
}

TEST_CASE("a first message that is not an OFFER is a protocol error and saves nothing",
          "[malicious][e2e]") {
    relay_fixture relay;
    temp_dir out;
    const auto first = GENERATE(step{msg::accept{}}, step{data_bytes{5}},
                                step{msg::done{hash_of_x(0)}}, step{msg::verified{hash_of_x(0)}});
    std::string errors;
    CHECK(receive_from(relay, out.path, evil_plan{{first}, {}}, errors) == exit_protocol);
    INFO(errors);
    CHECK(out.entries().empty());
}

TEST_CASE("a sender without HELLO (ferry 0.1) is told apart from a hostile one",
          "[malicious][e2e]") {
    relay_fixture relay;
    temp_dir out;
    evil_plan plan{{msg::offer{0, 5, "a.txt"}}, {}, false};
    std::string errors;
    CHECK(receive_from(relay, out.path, plan, errors) == exit_protocol);
    INFO(errors);
    CHECK_THAT(errors, Catch::Contains("the sender runs ferry 0.1") &&
                           Catch::Contains("both sides need ferry 0.2 or later"));
    CHECK(out.entries().empty());
}

TEST_CASE("a text offer past 64 KiB or with a name is a protocol error", "[malicious][e2e]") {
    relay_fixture relay;
    temp_dir out;
    const auto offer = GENERATE(msg::offer{2, 64 * 1024 + 1, ""}, msg::offer{2, 5, "a.txt"});
    std::string errors;
    CHECK(receive_from(relay, out.path, evil_plan{{offer}, {}}, errors) == exit_protocol);
    INFO(errors);
    CHECK(out.entries().empty());
}

TEST_CASE("a stream whose DONE hash is wrong ends --stdout with exit 6", "[malicious][e2e]") {
    relay_fixture relay;
    temp_dir out;
    evil_plan plan{{msg::offer{1, 0, "s"}}, {data_bytes{1000}, msg::done{hash_of_x(999)}}};
    std::string errors;
    CHECK(receive_from(relay, out.path, plan, errors, {"--yes", "--stdout"}) == 6);
    INFO(errors);
    CHECK_THAT(errors, Catch::Contains("what standard output got is damaged: discard it"));
}

TEST_CASE("an unexpected message in the middle of the data is a protocol error and saves nothing",
          "[malicious][e2e]") {
    relay_fixture relay;
    temp_dir out;
    // Then the rest of the data and a right DONE: ignoring the odd message would save the file.
    const auto odd = GENERATE(step{msg::accept{}}, step{msg::offer{0, 100, "again.bin"}},
                              step{msg::verified{hash_of_x(50)}},
                              step{msg::refuse{msg::reason::declined, "no"}});
    const evil_plan plan{{msg::offer{0, 100, "odd.bin"}},
                         {data_bytes{50}, odd, data_bytes{50}, msg::done{hash_of_x(100)}}};
    std::string errors;
    CHECK(receive_from(relay, out.path, plan, errors) == exit_protocol);
    INFO(errors);
    CHECK(out.entries().empty());
}
