// A sender that lies (test-only code): unsafe names and impossible sizes must be refused or
// made safe, and nothing may be written outside the target folder.
#include <catch2/catch.hpp>

#include <future>
#include <optional>

#include "common/code.hpp"
#include "common/message.hpp"
#include "common/relay_client.hpp"
#include "common/session.hpp"
#include "common/sha256.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;

namespace {

struct evil_result {
    std::string answer;  // "accept", "refuse: <reason>", or an error
};

// Offers `name` and `size`, then reports what the receiver answered.
class evil_sender {
  public:
    // done_hash: for a 0-byte offer, what to claim as its SHA-256 once accepted.
    evil_sender(std::uint16_t relay_port, std::string name, std::uint64_t size,
                std::optional<msg::digest> done_hash = std::nullopt)
        : name_(std::move(name)), size_(size), done_hash_(done_hash) {
        std::promise<std::string> code_promise;
        auto code_future = code_promise.get_future();
        thread_ = std::thread([this, relay_port, p = std::move(code_promise)]() mutable {
            asio::io_context io;
            asio::co_spawn(io, run(relay_port, p), [this](std::exception_ptr e) {
                if (e) {
                    try {
                        std::rethrow_exception(e);
                    } catch (const std::exception& ex) {
                        result_.answer = std::string("error: ") + ex.what();
                    }
                }
            });
            io.run();
        });
        code_ = code_future.get();
    }
    ~evil_sender() {
        if (thread_.joinable()) thread_.join();
    }
    const std::string& code() const { return code_; }
    evil_result finish() {
        thread_.join();
        return result_;
    }

  private:
    awaitable<void> run(std::uint16_t port, std::promise<std::string>& code_promise) {
        deadline activity;
        activity.set(std::chrono::seconds(30));
        const host_port relay{"127.0.0.1", port};  // named: see the GCC 12 note in relay/server.cpp
        auto socket = co_await connect_relay(relay, std::chrono::seconds(5));
        const auto nameplate = co_await allocate_nameplate(socket);
        const auto c = generate_code(nameplate, 2);
        code_promise.set_value(c.text());
        co_await wait_paired(socket);
        auto channel = co_await open_session(socket, activity, session_role::sender, c);
        const msg::message offer = msg::offer{0, size_, name_};
        co_await channel->send_message(offer);
        const auto answer = co_await channel->receive_message();
        if (std::holds_alternative<msg::accept>(answer)) {
            result_.answer = "accept";
            if (done_hash_) {
                const msg::message done = msg::done{*done_hash_};
                co_await channel->send_message(done);
                const auto confirmed = co_await channel->receive_message();
                result_.answer = std::holds_alternative<msg::verified>(confirmed)
                                     ? "accept, verified"
                                     : "accept, no confirmation";
            }
        } else if (const auto* r = std::get_if<msg::refuse>(&answer)) {
            result_.answer = std::string("refuse: ") + msg::describe(r->why);
        } else {
            result_.answer = "unexpected";
        }
    }

    std::string name_;
    std::uint64_t size_;
    std::optional<msg::digest> done_hash_;
    std::string code_;
    evil_result result_;
    std::thread thread_;
};

}  // namespace

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
