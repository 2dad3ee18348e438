// Whole transfers with the real ferry binary for both clients, through a real relay.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <csignal>

#include <fmt/format.h>

#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

struct transfer_result {
    int sender_exit;
    int receiver_exit;
    std::string sender_errors;
    std::string receiver_errors;
};

transfer_result transfer(const std::string& relay, const fs::path& file, const fs::path& out,
                         const std::vector<std::string>& receiver_args = {"--yes"}) {
    auto s = start_sender(relay, file);
    REQUIRE(!s.code.empty());
    auto r = start_receiver(relay, s.code, out, receiver_args);
    transfer_result t{};
    t.receiver_exit = r->wait();
    t.sender_exit = s.proc->wait();
    t.sender_errors = s.proc->error_output();
    t.receiver_errors = r->error_output();
    return t;
}

// Waits until the receiver has accepted and data is flowing: the receiver said "Receiving",
// then the sender read another MiB of the file. The sender's rate limit (1 MiB/s for 8 MiB)
// makes the transfer slow enough to be interrupted in the middle.
void wait_until_flowing(process& receiver, process& sender) {
    REQUIRE(!receiver.wait_for_error_line("Receiving", 60s).empty());
    const auto before = io_of(sender.pid()).read;
    REQUIRE(wait_until([&] { return io_of(sender.pid()).read >= before + 1024 * 1024; }, 60s));
}

}  // namespace

TEST_CASE("files of edge sizes arrive with identical SHA-256", "[transfer][e2e]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    const auto size =
        GENERATE(std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{65535}, std::uint64_t{65536},
                 std::uint64_t{65537}, std::uint64_t{3} * 1024 * 1024 + 7,
                 // around the receiver's 4 MiB disk blocks and its 4096-byte direct-write unit
                 std::uint64_t{4} * 1024 * 1024 - 1, std::uint64_t{4} * 1024 * 1024,
                 std::uint64_t{8} * 1024 * 1024 + 4096 + 1);
    const auto name = "file-" + std::to_string(size) + ".bin";
    make_file(in.path / name, size, static_cast<std::uint32_t>(size));
    const auto t = transfer(relay.address(), in.path / name, out.path);
    INFO(t.sender_errors << t.receiver_errors);
    CHECK(t.receiver_exit == 0);
    CHECK(t.sender_exit == 0);
    CHECK(sha256_of(out.path / name) == sha256_of(in.path / name));
    CHECK(out.entries() == std::vector<std::string>{name});
}

TEST_CASE("a 256 MiB file arrives intact", "[transfer][e2e][large]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    make_file(in.path / "big.bin", 256ULL * 1024 * 1024 + 1, 7);
    const auto t = transfer(relay.address(), in.path / "big.bin", out.path);
    INFO(t.sender_errors << t.receiver_errors);
    CHECK(t.receiver_exit == 0);
    CHECK(t.sender_exit == 0);
    CHECK(sha256_of(out.path / "big.bin") == sha256_of(in.path / "big.bin"));
}

TEST_CASE("a receiver that cannot write the whole file stops and the sender hears why",
          "[transfer][e2e]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    make_file(in.path / "big.bin", 12 * 1024 * 1024);
    auto s = start_sender(relay.address(), in.path / "big.bin");
    REQUIRE(!s.code.empty());
    // A file size limit of 6 MiB: the disk "fills up" in the middle, after the free-space check.
    process r({"/usr/bin/prlimit", "--fsize=6291456", ferry_binary(), "receive", "--relay",
               relay.address(), "-o", out.path.string(), "--yes", s.code});
    CHECK(r.wait() == exit_local_io);
    CHECK(s.proc->wait() == exit_peer);
    const auto receiver_errors = r.error_output();
    const auto sender_errors = s.proc->error_output();
    INFO(receiver_errors << sender_errors);
    CHECK_THAT(receiver_errors, Catch::Contains("File too large"));
    CHECK_THAT(sender_errors,
               Catch::Contains("the receiver stopped") && Catch::Contains("File too large"));
    // The sender learns the reason, not the receiver's folders.
    CHECK(sender_errors.find(out.path.string()) == std::string::npos);
    CHECK_THAT(receiver_errors, Catch::Contains("of partial data in"));
    CHECK(out.final_entries().empty());
}

TEST_CASE("a wrong nameplate is a wrong-code error", "[transfer][e2e]") {
    relay_fixture relay;
    temp_dir out;
    auto r = start_receiver(relay.address(), "977-crossover-clockwork", out.path);
    CHECK(r->wait() == exit_wrong_code);
    CHECK_THAT(r->error_output(), Catch::Contains("no sender is waiting with nameplate 977"));
    CHECK(out.entries().empty());
}

TEST_CASE("a typo in a code word is a usage error that names the word", "[transfer][e2e]") {
    temp_dir out;
    auto r = start_receiver("127.0.0.1:1", "7-crossover-clockwrok", out.path);
    CHECK(r->wait() == 2);
    CHECK_THAT(r->error_output(), Catch::Contains("'clockwrok'"));
}

TEST_CASE("a second receiver cannot take a paired nameplate", "[transfer][e2e]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    make_file(in.path / "a.bin", 1000);
    auto s = start_sender(relay.address(), in.path / "a.bin");
    const auto nameplate = static_cast<std::uint32_t>(std::stoul(s.code));
    raw_client first(relay.port());  // claims and holds the pair
    first.send(claim_frame(nameplate));
    REQUIRE(first.read_frame().first != 0);
    auto second = start_receiver(relay.address(), s.code, out.path);
    CHECK(second->wait() == exit_wrong_code);
    CHECK_THAT(second->error_output(), Catch::Contains("already in use"));
    CHECK(out.entries().empty());
}

TEST_CASE("an existing file is never overwritten", "[transfer][e2e]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    make_file(in.path / "report.pdf", 5000, 1);
    make_file(out.path / "report.pdf", 300, 2);
    const auto before = sha256_of(out.path / "report.pdf");
    const auto t = transfer(relay.address(), in.path / "report.pdf", out.path);
    CHECK(t.receiver_exit == 0);
    CHECK(sha256_of(out.path / "report.pdf") == before);
    CHECK(sha256_of(out.path / "report (1).pdf") == sha256_of(in.path / "report.pdf"));
}

TEST_CASE("a symlink at the target name is neither followed nor replaced", "[transfer][e2e]") {
    // Pointing at an existing file (which must not change) or at nothing (which must not be
    // created through the link).
    const bool dangling = GENERATE(false, true);
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    temp_dir elsewhere;
    make_file(in.path / "report.pdf", 5000, 1);
    const auto victim = elsewhere.path / "victim";
    if (!dangling) make_file(victim, 300, 2);
    const auto before = sha256_of(victim);
    fs::create_symlink(victim, out.path / "report.pdf");
    const auto t = transfer(relay.address(), in.path / "report.pdf", out.path);
    INFO(t.sender_errors << t.receiver_errors);
    CHECK(t.receiver_exit == 0);
    CHECK(t.sender_exit == 0);
    CHECK(fs::is_symlink(out.path / "report.pdf"));
    CHECK(fs::read_symlink(out.path / "report.pdf") == victim);
    CHECK(sha256_of(victim) == before);  // "missing" for the dangling link: still missing
    CHECK(elsewhere.entries().size() == (dangling ? 0U : 1U));
    CHECK(sha256_of(out.path / "report (1).pdf") == sha256_of(in.path / "report.pdf"));
    auto names = out.entries();
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"report (1).pdf", "report.pdf"});
}

// A transfer slow enough (8 MiB at 1 MiB/s) to be interrupted while data is flowing.
struct slow_transfer {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    sender_process s;
    std::unique_ptr<process> r;
    slow_transfer() {
        make_file(in.path / "slow.bin", 8 * 1024 * 1024);
        // kill -9 leaves the other side nothing to reconnect to: without reconnecting it
        // reports that at once.
        s = start_sender(relay.address(), in.path / "slow.bin",
                         {"--limit-rate", "1M", "--reconnect-for", "0"});
        r = start_receiver(relay.address(), s.code, out.path);
        wait_until_flowing(*r, *s.proc);
    }
};

TEST_CASE("sender killed mid-transfer: receiver reports the sender gone and leaves no file",
          "[transfer][e2e]") {
    slow_transfer t;
    t.s.proc->kill(SIGKILL);
    t.s.proc->wait();
    CHECK(t.r->wait() == exit_peer);
    CHECK_THAT(t.r->error_output(),
               Catch::Contains("the sender went away") &&
                   (Catch::Contains("nothing was saved") || Catch::Contains("of partial data in")));
    CHECK(t.out.final_entries().empty());  // what came, if anything, is kept hidden
}

TEST_CASE("receiver killed mid-transfer: sender fails no file is left", "[transfer][e2e]") {
    slow_transfer t;
    t.r->kill(SIGKILL);
    t.r->wait();
    CHECK(t.s.proc->wait() == exit_peer);
    CHECK_THAT(t.s.proc->error_output(), Catch::Contains("went away"));
    CHECK(t.out.final_entries().empty());  // what came is kept hidden, for a resume
}

TEST_CASE("receiver interrupted mid-transfer: exit 130 no file is left", "[transfer][e2e]") {
    slow_transfer t;
    t.r->kill(SIGINT);
    CHECK(t.r->wait() == 130);
    CHECK(t.s.proc->wait() == exit_peer);
    CHECK(t.out.final_entries().empty());  // what came, if anything, is kept hidden
}

TEST_CASE("50 pairs at once through one relay all verify", "[transfer][e2e][serial]") {
    // The relay's default timeouts: 100 clients running scrypt at once on a loaded machine may
    // take longer than the short ones of fast_limits() before their first byte.
    relay::limits limits;
    limits.max_waiting_per_address = 100;  // every client here comes from 127.0.0.1
    limits.max_connections_per_address = 200;
    // 100 processes' key exchanges (scrypt) at once can hold a 2-core machine for a while: the
    // test is about 50 pairs, not about the fast fixture's 500 ms pairing and 30 s idle limits.
    limits.hello_timeout = std::chrono::seconds(10);
    limits.idle_timeout = std::chrono::minutes(5);
    relay_fixture relay(limits);
    temp_dir in;
    temp_dir out;
    constexpr int pairs = 50;
    std::vector<sender_process> senders;
    std::vector<std::unique_ptr<process>> receivers;
    for (int i = 0; i < pairs; ++i) {
        const auto name = fmt::format("f{}.bin", i);
        make_file(in.path / name, 200'000 + static_cast<std::uint64_t>(i) * 1000,
                  static_cast<std::uint32_t>(i));
        senders.push_back(start_sender(relay.address(), in.path / name));
        REQUIRE(!senders.back().code.empty());
    }
    for (int i = 0; i < pairs; ++i) {
        receivers.push_back(
            start_receiver(relay.address(), senders[static_cast<std::size_t>(i)].code, out.path));
    }
    int ok = 0;
    for (int i = 0; i < pairs; ++i) {
        const auto idx = static_cast<std::size_t>(i);
        const auto r = receivers[idx]->wait();
        const auto s = senders[idx].proc->wait();
        const auto name = fmt::format("f{}.bin", i);
        if (r != 0 || s != 0)
            UNSCOPED_INFO("pair " << i << ": receiver " << r << " "
                                  << receivers[idx]->error_output() << " sender " << s << " "
                                  << senders[idx].proc->error_output());
        if (r == 0 && s == 0 && sha256_of(out.path / name) == sha256_of(in.path / name)) ++ok;
    }
    CHECK(ok == pairs);
}

TEST_CASE("the sender gives up when the relay says no receiver came", "[transfer][e2e]") {
    auto limits = relay_fixture::fast_limits();
    limits.sender_wait = 300ms;
    relay_fixture relay(limits);
    temp_dir in;
    make_file(in.path / "a.bin", 10);
    auto s = start_sender(relay.address(), in.path / "a.bin");
    CHECK(s.proc->wait() == exit_peer);
    CHECK_THAT(s.proc->error_output(), Catch::Contains("no receiver came"));
}

TEST_CASE("an unreachable relay is a network error", "[transfer][e2e]") {
    temp_dir in;
    make_file(in.path / "a.bin", 10);
    const int port = [] {
        asio::io_context io;
        tcp::acceptor a(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
        return a.local_endpoint().port();  // closed again when a goes away
    }();
    process p({ferry_binary(), "send", "--relay", "127.0.0.1:" + std::to_string(port),
               (in.path / "a.bin").string()});
    CHECK(p.wait() == exit_network);
    CHECK_THAT(p.error_output(), Catch::Contains("cannot reach the relay"));
}

TEST_CASE("FERRY_RELAY picks the relay and tcp:// addresses are accepted", "[transfer][e2e]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    make_file(in.path / "a.bin", 4321);
    auto s = start_ferry({"send", "-q", (in.path / "a.bin").string()},
                         {"FERRY_RELAY=tcp://" + relay.address()});
    REQUIRE(!s.code.empty());
    process r({ferry_binary(), "receive", "-q", "--yes", "-o", out.path.string(), s.code},
              {"FERRY_RELAY=" + relay.address()});
    CHECK(r.wait() == 0);
    CHECK(s.proc->wait() == 0);
    CHECK(sha256_of(out.path / "a.bin") == sha256_of(in.path / "a.bin"));
}

TEST_CASE("the relay binary stops gracefully and lets a running transfer finish",
          "[transfer][e2e][relay]") {
    process relay({ferry_binary(), "relay", "-v", "--listen", "127.0.0.1:0", "--grace", "30s"});
    const auto line = relay.wait_for_error_line("listening on 127.0.0.1:");
    REQUIRE(!line.empty());
    const auto address =
        line.substr(line.find("listening on ") + std::string("listening on ").size());
    temp_dir in;
    temp_dir out;
    make_file(in.path / "a.bin", 3 * 1024 * 1024);
    auto s = start_sender(address, in.path / "a.bin", {"--limit-rate", "2M"});
    REQUIRE(!s.code.empty());
    const auto nameplate = s.code.substr(0, s.code.find('-'));
    REQUIRE(!relay.wait_for_error_line("nameplate " + nameplate + " allocated").empty());
    auto r = start_receiver(address, s.code, out.path);
    // Paired, keyed and accepted: the transfer is running when the relay is told to stop.
    REQUIRE(!r->wait_for_error_line("Receiving", 60s).empty());
    relay.kill(SIGTERM);
    CHECK(r->wait() == 0);
    CHECK(s.proc->wait() == 0);
    CHECK(relay.wait() == 0);
    CHECK(sha256_of(out.path / "a.bin") == sha256_of(in.path / "a.bin"));
    const auto log = relay.error_output();
    CHECK_THAT(log, Catch::Contains("stopping"));
    CHECK_THAT(log, Catch::Contains("outcome=completed"));
    CHECK_THAT(log, Catch::Contains("relay stopped"));
}

TEST_CASE("usage errors exit 2 with a message and help and version exit 0", "[cli][e2e]") {
    process help({ferry_binary(), "--help"});
    CHECK(help.wait() == 0);
    CHECK_THAT(help.output(), Catch::Contains("receive"));
    process version({ferry_binary(), "--version"});
    CHECK(version.wait() == 0);
    CHECK_THAT(version.output(), Catch::Contains("ferry "));
    process none({ferry_binary()});
    CHECK(none.wait() == 2);
    process bad_words({ferry_binary(), "send", "--code-words", "9", "/etc/hostname"});
    CHECK(bad_words.wait() == 2);
    process missing({ferry_binary(), "send", "--relay", "127.0.0.1:1", "/nonexistent/file"});
    CHECK(missing.wait() == 7);
    CHECK_THAT(missing.error_output(), Catch::Contains("cannot send /nonexistent/file: No such"));
    process stdin_and_file(
        {ferry_binary(), "send", "--relay", "127.0.0.1:1", "-", "/etc/hostname"});
    CHECK(stdin_and_file.wait() == 2);
    CHECK_THAT(stdin_and_file.error_output(), Catch::Contains("on its own"));
    process bad_relay({ferry_binary(), "send", "--relay", "host:99999", "/etc/hostname"});
    CHECK(bad_relay.wait() == 2);
    process both({ferry_binary(), "send", "--lan", "--relay", "127.0.0.1:1", "/etc/hostname"});
    CHECK(both.wait() == 2);
    CHECK_THAT(both.error_output(), Catch::Contains("exclude each other"));
}

TEST_CASE("sending a FIFO or a leading-dash code is refused at once", "[cli][e2e]") {
    temp_dir dir;
    const auto fifo = dir.path / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    process s({ferry_binary(), "send", "--relay", "127.0.0.1:1", fifo.string()});
    CHECK(s.wait(10s) == 2);
    CHECK_THAT(s.error_output(), Catch::Contains("it is not a file or folder"));
    process r(
        {ferry_binary(), "receive", "--relay", "127.0.0.1:1", "--", "-7-crossover-clockwork"});
    CHECK(r.wait(10s) == 2);
}
