// The Accept? question on a real terminal (a pty): the relay's idle limit does not run while a
// person decides, a pair that ends meanwhile is noticed at once, Ctrl-C and the time limit.
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <thread>

#include "common/session/code.hpp"
#include "common/session/pgp_words.hpp"

#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view question_end = "Accept? [y/n] ";

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
    // Ctrl-C: the sender says why (an ABORT naming it) before its BYE; kill -9 says nothing.
    CHECK_THAT(said, Catch::Contains(how == SIGINT
                                         ? "the sender stopped while you were deciding: cancelled"
                                         : "the sender went away (while you were deciding"));
    // The question's line was ended before the message.
    CHECK_THAT(said, Catch::Contains("[y/n] \nferry: "));
    CHECK(p.out.entries().empty());
}

TEST_CASE("Ctrl-C at the question interrupts and ends its line", "[prompt][e2e]") {
    asking_pair p;
    p.receiver->kill(SIGINT);
    CHECK(p.receiver->wait(20s) == 130);
    const auto said = p.receiver->error_output();
    INFO(said);
    CHECK_THAT(said, Catch::Contains("[y/n] \nferry: interrupted"));
    CHECK(p.sender.proc->wait(20s) == 5);
    CHECK(p.out.entries().empty());
}

TEST_CASE("an answer that never comes is a refusal after --accept-timeout", "[prompt][e2e]") {
    asking_pair p({"--accept-timeout", "1s"});
    CHECK(p.receiver->wait(20s) == 5);
    INFO(p.receiver->error_output());
    CHECK_THAT(p.receiver->error_output(), Catch::Contains("no answer within 1 s"));
    CHECK(p.out.entries().empty());
    // The sender waits on: the next receiver with the same code takes the file.
    auto taker = start_receiver(p.relay.address(), p.sender.code, p.out.path);
    CHECK(taker->wait() == 0);
    CHECK(p.sender.proc->wait() == 0);
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
        CHECK(p.out.entries().empty());
    }
}

TEST_CASE("an Enter alone, or a line that is no answer, asks again", "[prompt][e2e]") {
    asking_pair p;
    p.receiver->type("\n");
    REQUIRE(p.receiver->wait_for_error_text("Please answer y or n. Accept? [y/n] "));
    p.receiver->type("sure\n");
    REQUIRE(p.receiver->wait_for_error_text("Please answer y or n. Accept? [y/n] "));
    REQUIRE(p.receiver->running());
    p.receiver->type("Y\n");
    INFO(p.receiver->error_output());
    CHECK(p.receiver->wait() == 0);
    CHECK(p.sender.proc->wait() == 0);
    CHECK(sha256_of(p.out.path / "a.bin") == sha256_of(p.in.path / "a.bin"));
}

TEST_CASE("an answer piped into ferry receive counts", "[prompt][e2e]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    make_file(in.path / "a.bin", 5000, 2);
    auto s = start_sender(relay.address(), in.path / "a.bin");
    auto r = start_receiver(relay.address(), s.code, out.path, {}, input::pipe);
    r->type("maybe\nYes\n");
    r->close_input();
    INFO(r->error_output());
    CHECK(r->wait() == 0);
    CHECK_THAT(r->error_output(), Catch::Contains("Accept? [y/n] y\n"));
    CHECK(s.proc->wait() == 0);
    CHECK(sha256_of(out.path / "a.bin") == sha256_of(in.path / "a.bin"));
}

TEST_CASE(
    "a receiver that says no, cannot be asked or lists a plain send leaves the sender "
    "waiting with the same code",
    "[prompt][e2e]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    make_file(in.path / "a.bin", 5000, 2);
    auto s = start_loud_sender(relay.address(), {in.path / "a.bin"});
    REQUIRE(!s.code.empty());
    // No: typed on a terminal.
    auto declined = start_asking_receiver(relay.address(), s.code, out.path);
    REQUIRE(declined->wait_for_error_text(question_end, 30s));
    declined->type("n\n");
    CHECK(declined->wait() == 5);
    CHECK(!s.proc
               ->wait_for_error_line("the receiver declined; still waiting with the same code, " +
                                     s.code)
               .empty());
    // Standard input ends without an answer.
    auto not_asked = start_receiver(relay.address(), s.code, out.path, {}, input::pipe);
    not_asked->close_input();
    CHECK(not_asked->wait() == 5);
    CHECK_THAT(not_asked->error_output(), Catch::Contains("gave no answer"));
    CHECK(!s.proc->wait_for_error_line("could not be asked").empty());
    // --list on a plain send.
    auto lister = start_receiver(relay.address(), s.code, out.path, {"--list"});
    CHECK(lister->wait() == 2);
    CHECK(!s.proc->wait_for_error_line("still waiting with the same code").empty());
    CHECK(out.entries().empty());
    // The next receiver with the same code gets the file.
    auto taker = start_receiver(relay.address(), s.code, out.path);
    INFO(taker->error_output());
    CHECK(taker->wait() == 0);
    INFO(s.proc->error_output());
    CHECK(s.proc->wait() == 0);
    CHECK(sha256_of(out.path / "a.bin") == sha256_of(in.path / "a.bin"));
}

TEST_CASE("after a receiver declined, a wrong code still ends the sender", "[prompt][e2e]") {
    asking_pair p;
    p.receiver->type("n\n");
    CHECK(p.receiver->wait() == 5);
    auto wrong = parse_code(p.sender.code);
    wrong.words[1] = wrong.words[1] == "aardvark" ? "absurd" : "aardvark";
    auto guesser = start_receiver(p.relay.address(), wrong.text(), p.out.path);
    CHECK(guesser->wait() == 4);
    INFO(p.sender.proc->error_output());
    CHECK(p.sender.proc->wait() == 4);
    CHECK_THAT(p.sender.proc->error_output(), Catch::Contains("wrong code"));
    CHECK(p.out.entries().empty());
}

TEST_CASE("ferry receive without a code asks for it and Tab completes its words", "[prompt][e2e]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    make_file(in.path / "a.bin", 5000, 2);
    auto s = start_sender(relay.address(), in.path / "a.bin");
    const auto c = parse_code(s.code);
    process r(
        {ferry_binary(), "receive", "--yes", "--relay", relay.address(), "-o", out.path.string()},
        {}, input::terminal);
    REQUIRE(r.wait_for_error_text("Enter the code: "));
    // Each word typed up to where it is the only one of its list that fits, then Tab.
    std::string typed = std::to_string(c.nameplate) + "-";
    for (std::size_t i = 0; i < c.words.size(); ++i) {
        const auto& list = i % 2 == 0 ? pgp_words::odd : pgp_words::even;
        const auto& word = c.words[i];
        const auto fits = [&](std::size_t n) {
            return std::count_if(list.begin(), list.end(), [&](std::string_view w) {
                return w.starts_with(word.substr(0, n));
            });
        };
        std::size_t n = 1;
        while (n < word.size() && fits(n) > 1)
            ++n;
        typed += fits(n) == 1 ? word.substr(0, n) + "\t" : word + "-";
    }
    r.type(typed);
    REQUIRE(r.wait_for_error_text("Enter the code: " + s.code + "-"));
    r.type("\r");
    INFO(r.error_output());
    CHECK(r.wait() == 0);
    CHECK(s.proc->wait() == 0);
    CHECK(sha256_of(out.path / "a.bin") == sha256_of(in.path / "a.bin"));
}

TEST_CASE("ferry receive without a code and without a terminal is a usage error", "[prompt][e2e]") {
    process r({ferry_binary(), "receive", "--relay", "127.0.0.1:1"});
    CHECK(r.wait() == 2);
    CHECK_THAT(r.error_output(), Catch::Contains("no code given"));
}
