// The Accept? question on a real terminal (a pty): the relay's idle limit does not run while a
// person decides, a pair that ends meanwhile is noticed at once, Ctrl-C and the time limit.
#include <catch2/catch.hpp>

#include <signal.h>

#include <thread>

#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

// ferry receive with its stdin on a terminal the test types into, no --yes.
std::unique_ptr<process> start_asking_receiver(const std::string& relay, const std::string& code,
                                               const fs::path& out_dir,
                                               const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{ferry_binary(), "receive", "--relay",
                                  relay,          "-o",      out_dir.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(code);
    return std::make_unique<process>(args, std::vector<std::string>{}, input::terminal);
}

constexpr std::string_view question_end = "Accept? [y/N] ";

// A sender and an asking receiver through their own relay, with the question on the screen.
struct asking_pair {
    explicit asking_pair(const std::vector<std::string>& receiver_args = {},
                         relay::limits limits = relay_fixture::fast_limits())
        : relay(limits) {
        make_file(in.path / "a.bin", 5000, 2);
        sender = start_sender(relay.address(), in.path / "a.bin");
        receiver = start_asking_receiver(relay.address(), sender.code, out.path, receiver_args);
        REQUIRE(receiver->wait_for_error_text(question_end, 30s));
    }
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    sender_process sender;
    std::unique_ptr<process> receiver;
};

}  // namespace

TEST_CASE("a person may take longer than the relay's idle limit to say yes", "[prompt][e2e]") {
    auto limits = relay_fixture::fast_limits();
    limits.idle_timeout = 2s;
    asking_pair p({"--keepalive-interval", "300ms"}, limits);
    // The person thinks for longer than the relay lets a silent pair live: a span of time is
    // what is tested here, not an order of events.
    std::this_thread::sleep_for(limits.idle_timeout * 2);
    REQUIRE(p.receiver->running());
    p.receiver->type("y\n");
    INFO(p.receiver->error_output());
    CHECK(p.receiver->wait() == 0);
    INFO(p.sender.proc->error_output());
    CHECK(p.sender.proc->wait() == 0);
    CHECK(sha256_of(p.out.path / "a.bin") == sha256_of(p.in.path / "a.bin"));
}

TEST_CASE("the question notices at once that the sender went away", "[prompt][e2e]") {
    // Ctrl-C: the sender says BYE. kill -9: it cannot, and the receiver would wait for it to
    // reconnect, so that is off here.
    const auto how = GENERATE(SIGINT, SIGKILL);
    asking_pair p(how == SIGKILL ? std::vector<std::string>{"--reconnect-for", "0"}
                                 : std::vector<std::string>{});
    p.sender.proc->kill(how);
    // Nobody types: the receiver must end by itself, long before any idle limit.
    const auto code = p.receiver->wait(20s);
    const auto said = p.receiver->error_output();
    INFO(said);
    CHECK(code == 5);
    CHECK_THAT(said, Catch::Contains("the sender went away (while you were deciding"));
    // The question's line was ended before the message.
    CHECK_THAT(said, Catch::Contains("[y/N] \nferry: "));
    CHECK(p.out.entries().empty());
}

TEST_CASE("Ctrl-C at the question interrupts and ends its line", "[prompt][e2e]") {
    asking_pair p;
    p.receiver->kill(SIGINT);
    CHECK(p.receiver->wait(20s) == 130);
    const auto said = p.receiver->error_output();
    INFO(said);
    CHECK_THAT(said, Catch::Contains("[y/N] \nferry: interrupted"));
    CHECK(p.sender.proc->wait(20s) == 5);
    CHECK(p.out.entries().empty());
}

TEST_CASE("an answer that never comes is a refusal after --accept-timeout", "[prompt][e2e]") {
    asking_pair p({"--accept-timeout", "1s"});
    CHECK(p.receiver->wait(20s) == 5);
    INFO(p.receiver->error_output());
    CHECK_THAT(p.receiver->error_output(), Catch::Contains("no answer within 1 s"));
    CHECK(p.sender.proc->wait(20s) == 5);
    CHECK_THAT(p.sender.proc->error_output(), Catch::Contains("no answer within"));
    CHECK(p.out.entries().empty());
}

TEST_CASE("the question takes y and n from the terminal", "[prompt][e2e]") {
    const auto said_yes = GENERATE(true, false);
    asking_pair p;
    p.receiver->type(said_yes ? "yes\n" : "n\n");
    INFO(p.receiver->error_output());
    if (said_yes) {
        CHECK(p.receiver->wait() == 0);
        CHECK(p.sender.proc->wait() == 0);
        CHECK(sha256_of(p.out.path / "a.bin") == sha256_of(p.in.path / "a.bin"));
    } else {
        CHECK(p.receiver->wait() == 5);
        CHECK_THAT(p.receiver->error_output(), Catch::Contains("you declined"));
        CHECK(p.sender.proc->wait() == 5);
        CHECK(p.out.entries().empty());
    }
}
