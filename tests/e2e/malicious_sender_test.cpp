// A sender that lies (test-only code): unsafe names and impossible sizes must be refused or
// made safe, and nothing may be written outside the target folder.
#include <catch2/catch.hpp>

#include <algorithm>
#include <future>
#include <optional>
#include <variant>

#include "common/crypto/sha256.hpp"
#include "common/net/relay_client.hpp"
#include "common/session/code.hpp"
#include "common/session/session.hpp"
#include "common/transfer/hello.hpp"
#include "common/transfer/message.hpp"
#include "common/transfer/message_channel.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;

namespace {

constexpr int exit_protocol = 3;  // README: "... or protocol error"

// What the hostile sender sends, in order: a message as it is, or a DATA record of `size`
// file bytes (each 'x').
struct data_bytes {
    std::size_t size;
};
using step = std::variant<msg::message, data_bytes>;

// The SHA-256 of n bytes 'x': what a DONE after data_bytes steps of n bytes in all claims.
msg::digest hash_of_x(std::size_t n) {
    sha256 h;
    const std::vector<std::uint8_t> x(n, 'x');
    h.update(x);
    return h.finish();
}

// What the hostile sender does once the session is keyed: `opening` (normally one OFFER), then,
// if the receiver accepts, `after_accept`, and then it reads one more answer.
struct evil_plan {
    std::vector<step> opening;
    std::vector<step> after_accept;
    bool hello = true;  // false: no HELLO exchange first, as ferry 0.1 did
};

struct evil_result {
    // "accept", "refuse: <reason>" or "unexpected", then ", verified" or ", no confirmation";
    // with ", error: ..." (or only "error: ...") when the connection ended first.
    std::string answer;
};

// Speaks the real protocol through the relay, but says what its plan says.
class evil_sender {
  public:
    evil_sender(std::uint16_t relay_port, evil_plan plan) : plan_(std::move(plan)) {
        std::promise<std::string> code_promise;
        auto code_future = code_promise.get_future();
        thread_ = std::thread([this, relay_port, p = std::move(code_promise)]() mutable {
            asio::io_context io;
            asio::co_spawn(io, run(relay_port, p), [this](std::exception_ptr e) {
                if (e) {
                    try {
                        std::rethrow_exception(e);
                    } catch (const std::exception& ex) {
                        if (!result_.answer.empty()) result_.answer += ", ";
                        result_.answer += std::string("error: ") + ex.what();
                    }
                }
            });
            io.run();
        });
        code_ = code_future.get();
    }
    // Offers `name` and `size`; done_hash: for a 0-byte offer, what to claim as its SHA-256
    // once accepted.
    evil_sender(std::uint16_t relay_port, std::string name, std::uint64_t size,
                std::optional<msg::digest> done_hash = std::nullopt)
        : evil_sender(relay_port, plan_for(std::move(name), size, done_hash)) {}
    ~evil_sender() {
        if (thread_.joinable()) thread_.join();
    }
    const std::string& code() const { return code_; }
    evil_result finish() {
        thread_.join();
        return result_;
    }

  private:
    static evil_plan plan_for(std::string name, std::uint64_t size,
                              std::optional<msg::digest> done_hash) {
        evil_plan plan{{msg::offer{0, size, std::move(name)}}, {}};
        if (done_hash) plan.after_accept.emplace_back(msg::done{*done_hash});
        return plan;
    }

    static awaitable<void> play(record_channel& channel, const std::vector<step>& steps) {
        for (const auto& s : steps) {
            if (const auto* d = std::get_if<data_bytes>(&s)) {
                auto room = channel.prepare();
                room[0] = static_cast<std::uint8_t>(msg::type::data);
                std::fill_n(room.begin() + 1, d->size, std::uint8_t{'x'});
                co_await channel.send(1 + d->size);
            } else {
                co_await send_message(channel, std::get<msg::message>(s));
            }
        }
    }

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
        if (plan_.hello) {
            co_await transfer::exchange_hello(*channel, transfer::peer_role::receiver);
        }
        co_await play(*channel, plan_.opening);
        const auto answer = co_await receive_message(*channel);
        if (const auto* r = std::get_if<msg::refuse>(&answer)) {
            result_.answer = std::string("refuse: ") + msg::describe(r->why);
            co_return;
        }
        if (!std::holds_alternative<msg::accept>(answer)) {
            result_.answer = "unexpected";
            co_return;
        }
        result_.answer = "accept";
        if (plan_.after_accept.empty()) co_return;
        co_await play(*channel, plan_.after_accept);
        const auto confirmed = co_await receive_message(*channel);
        result_.answer +=
            std::holds_alternative<msg::verified>(confirmed) ? ", verified" : ", no confirmation";
    }

    evil_plan plan_;
    std::string code_;
    evil_result result_;
    std::thread thread_;
};

// Runs the plan against a real receiver (--yes) into `out`; returns its exit code, with its
// stderr in `errors`.
int receive_from(const relay_fixture& relay, const fs::path& out, evil_plan plan,
                 std::string& errors, const std::vector<std::string>& receiver_args = {"--yes"}) {
    evil_sender evil(relay.port(), std::move(plan));
    auto r = start_receiver(relay.address(), evil.code(), out, receiver_args);
    const auto code = r->wait();
    errors = r->error_output();
    evil.finish();
    return code;
}

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
