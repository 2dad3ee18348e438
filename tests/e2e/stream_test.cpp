// Pipes: ferry send - (standard input, size unknown) and ferry receive --stdout.
#include <catch2/catch.hpp>

#include <signal.h>

#include <fstream>
#include <iterator>
#include <thread>

#include "common/crypto/sha256.hpp"
#include "common/transfer/message.hpp"
#include "common/transfer/message_channel.hpp"
#include "tests/support/fake_receiver.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string hex_sha256(const std::string& bytes) {
    sha256 h;
    h.update(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    return to_hex(h.finish());
}

// ferry send -q - with `data` written into its standard input by a thread of the test's.
struct piped_sender {
    piped_sender(const std::string& relay, std::string data) : bytes(std::move(data)) {
        auto started = start_ferry({"send", "-q", "--relay", relay, "-"}, {}, input::pipe);
        proc = std::move(started.proc);
        code = started.code;
        feeder = std::thread([this] {
            try {
                proc->type(bytes);
            } catch (const std::exception&) {
                // The sender went away before it read everything: its exit code says why.
            }
            proc->close_input();
        });
    }
    ~piped_sender() {
        if (feeder.joinable()) feeder.join();
    }
    std::unique_ptr<process> proc;
    std::string bytes;
    std::string code;
    std::thread feeder;
};

}  // namespace

TEST_CASE("standard input streams to a file of the receiver, verified", "[stream][e2e]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    make_file(in.path / "data.bin", 3 * 1024 * 1024 + 17, 9);
    piped_sender s(relay.address(), read_file(in.path / "data.bin"));
    REQUIRE(!s.code.empty());
    auto r = start_receiver(relay.address(), s.code, out.path);
    CHECK(r->wait() == 0);
    INFO(r->error_output());
    CHECK(s.proc->wait() == 0);
    CHECK(sha256_of(out.path / "stdin") == sha256_of(in.path / "data.bin"));
}

TEST_CASE("standard output gets a file's or a stream's bytes with --stdout", "[stream][e2e]") {
    const bool from_pipe = GENERATE(false, true);
    const auto output_flag = GENERATE(as<std::string>{}, "--stdout", "-");
    INFO((from_pipe ? "stream" : "file") << " with " << output_flag);
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    make_file(in.path / "data.bin", 2 * 1024 * 1024 + 5, 4);
    const auto data = read_file(in.path / "data.bin");
    std::unique_ptr<piped_sender> piped;
    sender_process plain;
    std::string code;
    if (from_pipe) {
        piped = std::make_unique<piped_sender>(relay.address(), data);
        code = piped->code;
    } else {
        plain = start_sender(relay.address(), in.path / "data.bin");
        code = plain.code;
    }
    REQUIRE(!code.empty());
    const std::vector<std::string> flags = output_flag == "-"
                                               ? std::vector<std::string>{"--yes", "-o", "-"}
                                               : std::vector<std::string>{"--yes", "--stdout"};
    std::vector<std::string> args{ferry_binary(), "receive", "--relay", relay.address()};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(code);
    process r(args);
    const auto got = r.read_output_to_end(120s);
    CHECK(r.wait() == 0);
    INFO(r.error_output());
    CHECK(got.size() == data.size());
    CHECK(hex_sha256(got) == hex_sha256(data));
    CHECK_THAT(r.error_output(), Catch::Contains("to standard output, SHA-256 verified"));
    CHECK(out.entries().empty());
    CHECK((from_pipe ? piped->proc->wait() : plain.proc->wait()) == 0);
}

TEST_CASE("a receiver that cannot take a stream is named", "[stream][e2e]") {
    relay_fixture relay;
    piped_sender s(relay.address(), "hello");
    REQUIRE(!s.code.empty());
    CHECK(!receiver_announcing(relay.port(), s.code, 1));  // one file only
    CHECK(s.proc->wait() == 5);
    CHECK_THAT(s.proc->error_output(),
               Catch::Contains("which cannot receive a stream of unknown size"));
}

TEST_CASE("Ctrl-C stops a sender whose standard input is idle", "[stream][e2e]") {
    relay_fixture relay;
    temp_dir out;
    // Nothing is written and the input stays open: the sender waits on a silent producer.
    auto s = start_ferry({"send", "-q", "--relay", relay.address(), "-"}, {}, input::pipe);
    REQUIRE(!s.code.empty());
    auto r = start_receiver(relay.address(), s.code, out.path);
    REQUIRE(!r->wait_for_error_line("Receiving", 30s).empty());
    s.proc->kill(SIGINT);
    CHECK(s.proc->wait(20s) == exit_interrupted);
    CHECK(r->wait(30s) == exit_peer);
    CHECK(out.entries().empty());
}

TEST_CASE("a consumer that closes standard output stops the receiver and tells the sender",
          "[stream][e2e]") {
    relay_fixture relay;
    temp_dir in;
    make_file(in.path / "big.bin", 32 * 1024 * 1024, 2);
    auto s = start_sender(relay.address(), in.path / "big.bin");
    REQUIRE(!s.code.empty());
    process r({ferry_binary(), "receive", "--relay", relay.address(), "--yes", "--stdout", s.code});
    r.close_output();  // like `| head -c 0`
    CHECK(r.wait(60s) == 7);
    CHECK_THAT(r.error_output(), Catch::Contains("standard output"));
    CHECK(s.proc->wait(60s) == 5);
    CHECK_THAT(s.proc->error_output(), Catch::Contains("the receiver stopped"));
}
