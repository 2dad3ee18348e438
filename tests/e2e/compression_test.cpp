// zstd on the wire (ZDATA): what crosses the relay shrinks for compressible data, every copy is
// byte for byte the original, and a hostile sender's frames cannot make a receiver write more
// than it accepted.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "common/transfer/chunk_compression.hpp"
#include "common/wire/record_format.hpp"
#include "tests/support/evil_sender.hpp"
#include "tests/support/forwarder.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

// Log-like text that zstd shrinks about threefold in 256 KiB frames.
void make_text_file(const fs::path& path, std::size_t lines) {
    std::ofstream out(path, std::ios::binary);
    for (std::size_t i = 0; i < lines; ++i)
        out << "2026-12-02T09:" << (i / 60) % 60 << ':' << i % 60 << " relay pair "
            << i * 7919 % 100003 << " completed: " << i % 977 << " MiB in " << i % 13 << " s\n";
}

std::vector<std::uint8_t> zstd_frame(const std::vector<std::uint8_t>& raw) {
    transfer::chunk_compressor z(3);
    std::vector<std::uint8_t> out(raw.size() + 1024);
    out.resize(z.compress(raw, out));
    return out;
}

raw_record zdata_record(std::uint32_t raw_size, const std::vector<std::uint8_t>& frame) {
    return raw_record{msg::encode(msg::zdata{raw_size, frame})};
}

}  // namespace

TEST_CASE("compressible data crosses the relay compressed and arrives whole",
          "[compression][e2e]") {
    const std::string setting = GENERATE("auto", "1", "19");
    INFO("--compress " << setting);
    relay_fixture relay;
    forwarder tap(relay.port());
    temp_dir in;
    temp_dir out;
    make_text_file(in.path / "app.log", 120'000);  // about 8 MiB
    fs::create_directories(in.path / "logs" / "old");
    make_text_file(in.path / "logs" / "a.log", 30'000);
    make_text_file(in.path / "logs" / "old" / "b.log", 500);
    make_file(in.path / "logs" / "noise.bin", 3 * data_chunk_size + 5, 4);  // stays plain

    auto s = start_sender(tap.address(), in.path / "app.log", {"--compress", setting});
    REQUIRE(!s.code.empty());
    auto r = start_receiver(tap.address(), s.code, out.path);
    CHECK(r->wait() == 0);
    INFO(r->error_output());
    CHECK(s.proc->wait() == 0);
    CHECK(sha256_of(out.path / "app.log") == sha256_of(in.path / "app.log"));
    CHECK(tap.recorded().size() < fs::file_size(in.path / "app.log") / 2);

    auto t = start_sender(tap.address(), std::vector<fs::path>{in.path / "logs"},
                          {"--compress", setting});
    REQUIRE(!t.code.empty());
    auto rt = start_receiver(tap.address(), t.code, out.path);
    CHECK(rt->wait() == 0);
    INFO(rt->error_output());
    CHECK(t.proc->wait() == 0);
    for (const auto* name : {"a.log", "old/b.log", "noise.bin"}) {
        INFO(name);
        CHECK(sha256_of(out.path / "logs" / name) == sha256_of(in.path / "logs" / name));
    }
}

TEST_CASE("the sender says what crossed with zstd and says nothing when nothing did",
          "[compression][e2e]") {
    relay_fixture relay;
    temp_dir in;
    temp_dir out;
    make_text_file(in.path / "app.log", 20'000);
    make_file(in.path / "noise.bin", 2 * 1024 * 1024, 5);
    for (const auto* name : {"app.log", "noise.bin"}) {
        INFO(name);
        auto s = start_loud_sender(relay.address(), {in.path / name});
        REQUIRE(!s.code.empty());
        auto r = start_receiver(relay.address(), s.code, out.path);
        CHECK(r->wait() == 0);
        CHECK(s.proc->wait() == 0);
        const auto said = s.proc->output();
        CHECK((said.find("on the wire with zstd") != std::string::npos) ==
              (std::string(name) == "app.log"));
        CHECK(sha256_of(out.path / name) == sha256_of(in.path / name));
    }
}

TEST_CASE("the compress option takes auto or off or a level from 1 to 19", "[compression][e2e]") {
    temp_dir in;
    make_file(in.path / "f", 10);
    for (const auto* bad : {"0", "20", "fast", "3x", ""}) {
        INFO(bad);
        process s({ferry_binary(), "send", "--relay", "127.0.0.1:1", "--compress", bad,
                   (in.path / "f").string()});
        CHECK(s.wait() == 2);
        CHECK(s.error_output().find("--compress") != std::string::npos);
    }
}

TEST_CASE("a zstd bomb in a file ends the transfer and saves nothing",
          "[compression][malicious][e2e]") {
    relay_fixture relay;
    temp_dir out;
    const std::vector<std::uint8_t> zeros(data_chunk_size, 0);
    const auto bomb = zstd_frame(zeros);  // 256 KiB in a few dozen bytes
    // Offered 1000 bytes: a record that says 1000 but holds 256 KiB; one that says more than
    // offered; one that says 1000 and holds less.
    const auto which = GENERATE(0, 1, 2);
    evil_plan plan;
    plan.opening = {msg::message{msg::offer{0, 1000, "f.bin"}}};
    if (which == 0) {
        plan.after_accept = {zdata_record(1000, bomb)};
    } else if (which == 1) {
        plan.after_accept = {zdata_record(data_chunk_size, bomb)};
    } else {
        plan.after_accept = {zdata_record(1000, zstd_frame(std::vector<std::uint8_t>(900, 1)))};
    }
    plan.after_accept.emplace_back(msg::message{msg::done{hash_of(std::string(1000, '\0'))}});
    INFO("case " << which);
    std::string errors;
    CHECK(receive_from(relay, out.path, plan, errors) == 3);
    INFO(errors);
    CHECK(errors.find(which == 1 ? "more bytes than it offered" : "compressed data") !=
          std::string::npos);
    CHECK(out.entries().empty());
}

TEST_CASE("a zstd bomb in a tree ends it and saves nothing", "[compression][malicious][e2e]") {
    relay_fixture relay;
    temp_dir out;
    const std::vector<tree_entry> entries{folder_entry("d"),
                                          file_entry("d/f", std::string(1000, '\0'))};
    auto plan = tree_plan(entries);
    // The file's DATA becomes a ZDATA that says 1000 bytes and expands to 256 KiB.
    for (auto& s : plan.after_accept) {
        if (std::holds_alternative<data_record>(s)) {
            s = zdata_record(1000, zstd_frame(std::vector<std::uint8_t>(data_chunk_size, 0)));
        }
    }
    std::string errors;
    CHECK(receive_from(relay, out.path, plan, errors) == 3);
    INFO(errors);
    CHECK(errors.find("compressed data expands past") != std::string::npos);
    CHECK(out.entries().empty());
}
