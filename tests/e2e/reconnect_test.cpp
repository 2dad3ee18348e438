// A broken connection is reconnected while both processes keep running: the transfer goes on
// from where the receiver is, with new keys, and the file verifies (issue 11, part 1).
#include <catch2/catch.hpp>

#include <csignal>
#include <random>

#include <fmt/format.h>

#include "tests/support/cutting_forwarder.hpp"
#include "tests/support/forwarder.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t mib = 1024 * 1024;

// The relay binary at `listen`; its address read from its first log line.
std::string start_relay_binary(process& relay) {
    const auto line = relay.wait_for_error_line("listening on ");
    const auto at = line.find("listening on ");
    REQUIRE(at != std::string::npos);
    return line.substr(at + std::string("listening on ").size());
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

// Sends `paths` through the relay to a receiver behind `middlebox`, which makes every cut it
// was given; both sides reconnect at each and finish.
void send_through_cuts(const relay_fixture& relay, cutting_forwarder& middlebox, std::size_t cuts,
                       const std::vector<fs::path>& paths, const fs::path& out) {
    auto s = start_sender(relay.address(), paths);
    REQUIRE(!s.code.empty());
    auto r = start_receiver(middlebox.address(), s.code, out);
    const auto receiver_exit = r->wait(240s);
    const auto sender_exit = s.proc->wait(60s);
    const auto errors = r->error_output();
    INFO(errors << s.proc->error_output());
    CHECK(receiver_exit == 0);
    CHECK(sender_exit == 0);
    CHECK(middlebox.cuts_made() == cuts);
    CHECK(count_of(errors, "reconnected; carrying on") == cuts);
}

}  // namespace

TEST_CASE("20 cuts during a 256 MiB transfer are reconnected and at most 1.2x crosses",
          "[e2e][reconnect]") {
    relay_fixture relay;
    // 20 resets at random offsets of the bytes crossing to and from the receiver (nearly all
    // going down to it).
    std::mt19937_64 random(GENERATE(1U, 2U));
    std::uniform_int_distribution<std::uint64_t> offset(1 * mib, 250 * mib);
    std::vector<cutting_forwarder::cut> cuts(20);
    for (auto& c : cuts)
        c.at = offset(random);
    cutting_forwarder middlebox(relay.port(), cuts);
    temp_dir in;
    temp_dir out;
    const auto size = 256 * mib;
    make_file(in.path / "big.bin", size, 5);
    send_through_cuts(relay, middlebox, cuts.size(), {in.path / "big.bin"}, out.path);
    CHECK(sha256_of(out.path / "big.bin") == sha256_of(in.path / "big.bin"));
    // What crossed to the receiver: the file once, plus what was in flight at each cut: bytes
    // the receiver's kernel had taken but ferry not yet read, which the reset drops. That
    // queue grows (up to tcp_rmem's maximum) when the receiver falls behind on a loaded
    // machine: 1.10x was seen there. Sending the whole replay window again at each cut instead
    // of from what the receiver counted (RESYNC) would be up to 16 MiB a cut: 2.25x.
    INFO("bytes to and from the receiver: " << middlebox.forwarded());
    CHECK(middlebox.forwarded() <= size + size / 5);
}

TEST_CASE("cuts during a folder of 500 files are reconnected and every file verifies",
          "[e2e][reconnect][tree]") {
    relay_fixture relay;
    // 5 resets at fixed offsets of the bytes crossing to and from the receiver, spread over the
    // tree.
    const std::vector<cutting_forwarder::cut> cuts{
        {3 * mib}, {11 * mib}, {23 * mib}, {37 * mib}, {52 * mib}};
    cutting_forwarder middlebox(relay.port(), cuts);
    temp_dir in;
    temp_dir out;
    const auto root = in.path / "many";
    for (int i = 0; i < 500; ++i) {
        const auto dir = root / fmt::format("d{}", i / 50);
        fs::create_directories(dir);
        make_file(dir / fmt::format("f{:03}", i), 128 * 1024, static_cast<std::uint32_t>(i + 1));
    }
    send_through_cuts(relay, middlebox, cuts.size(), {root}, out.path);
    for (int i = 0; i < 500; ++i) {
        const auto rel = fs::path(fmt::format("d{}", i / 50)) / fmt::format("f{:03}", i);
        CHECK(sha256_of(out.path / "many" / rel) == sha256_of(root / rel));
    }
    CHECK(out.entries() == std::vector<std::string>{"many"});
}

TEST_CASE("a relay killed and restarted on the same port is reconnected through",
          "[e2e][reconnect]") {
    process first({ferry_binary(), "relay", "--listen", "127.0.0.1:0"});
    const auto address = start_relay_binary(first);
    temp_dir in;
    temp_dir out;
    make_file(in.path / "f.bin", 64 * mib, 6);
    auto s = start_sender(address, in.path / "f.bin", {"--limit-rate", "16M"});
    REQUIRE(!s.code.empty());
    auto r = start_receiver(address, s.code, out.path);
    REQUIRE(!r->wait_for_error_line("Receiving", 60s).empty());
    first.kill(SIGKILL);
    CHECK(first.wait() == 128 + SIGKILL);
    REQUIRE(!r->wait_for_error_line("reconnecting", 30s).empty());
    process second({ferry_binary(), "relay", "--listen", address});
    CHECK(start_relay_binary(second) == address);
    CHECK(r->wait(120s) == 0);
    CHECK(s.proc->wait(60s) == 0);
    INFO(r->error_output() << s.proc->error_output());
    CHECK_THAT(r->error_output(), Catch::Contains("reconnected; carrying on"));
    CHECK(sha256_of(out.path / "f.bin") == sha256_of(in.path / "f.bin"));
}

TEST_CASE("a connection closed again and again is reconnected each time", "[e2e][reconnect]") {
    relay_fixture relay;
    // Closes every connection of the sender's at its 5th record, half-closing towards the relay
    // and leaving the sender's side taking bytes it never reads (a zero window, no reset): each
    // try gets further, and a try whose replay stalls so is given up by the stall watch.
    forwarder evil(relay.port(), forwarder::tamper::close, 5);
    temp_dir in;
    temp_dir out;
    make_file(in.path / "big", 8 * mib, 7);
    auto s = start_sender(evil.address(), in.path / "big");
    REQUIRE(!s.code.empty());
    auto r = start_receiver(relay.address(), s.code, out.path);
    CHECK(r->wait(170s) == 0);
    CHECK(s.proc->wait(60s) == 0);
    INFO(r->error_output() << s.proc->error_output());
    CHECK(evil.tampered());
    CHECK(sha256_of(out.path / "big") == sha256_of(in.path / "big"));
}

TEST_CASE("with --reconnect-for 0 on either side reports the break as before", "[e2e][reconnect]") {
    const bool on_sender = GENERATE(true, false);
    relay_fixture relay;
    cutting_forwarder middlebox(relay.port(), {{4 * mib, cutting_forwarder::how::reset}});
    temp_dir in;
    temp_dir out;
    make_file(in.path / "f.bin", 32 * mib, 8);
    const std::vector<std::string> off{"--reconnect-for", "0"};
    auto s = start_sender(relay.address(), in.path / "f.bin",
                          on_sender ? off : std::vector<std::string>{});
    REQUIRE(!s.code.empty());
    std::vector<std::string> receiver_args{"--yes"};
    if (!on_sender) receiver_args.insert(receiver_args.end(), off.begin(), off.end());
    auto r = start_receiver(middlebox.address(), s.code, out.path, receiver_args);
    CHECK(r->wait(60s) == exit_network);
    s.proc->wait(60s);
    const auto errors = r->error_output();
    INFO(errors);
    CHECK_THAT(errors, Catch::Contains("connection to the relay lost"));
    CHECK(errors.find("reconnecting") == std::string::npos);
    CHECK(out.final_entries().empty());
}

TEST_CASE("a connection that goes silent is taken for broken and reconnected", "[e2e][reconnect]") {
    relay_fixture relay;
    // 4 MiB in, the link to the relay is reset and the sender's own connection left open and
    // silent, as by a middlebox that forgot it: only the missing acknowledgements tell.
    cutting_forwarder middlebox(relay.port(), {{4 * mib, cutting_forwarder::how::reset_upstream}});
    temp_dir in;
    temp_dir out;
    make_file(in.path / "f.bin", 48 * mib, 9);
    auto s = start_sender(middlebox.address(), in.path / "f.bin");
    REQUIRE(!s.code.empty());
    auto r = start_receiver(relay.address(), s.code, out.path);
    CHECK(s.proc->wait(120s) == 0);
    CHECK(r->wait(60s) == 0);
    INFO(s.proc->error_output() << r->error_output());
    CHECK(middlebox.wait_for_cuts(1, 1s));
    // The sender runs with -q: the receiver tells.
    CHECK_THAT(r->error_output(), Catch::Contains("reconnected; carrying on"));
    CHECK(sha256_of(out.path / "f.bin") == sha256_of(in.path / "f.bin"));
}
