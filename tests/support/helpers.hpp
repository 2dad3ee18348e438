#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/net/asio.hpp"
#include "relay/limits.hpp"
#include "relay/server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/wait.hpp"

namespace ferry::test {

namespace fs = std::filesystem;

// A folder under /tmp removed with everything in it.
struct temp_dir {
    fs::path path;
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    [[nodiscard]] std::vector<std::string> entries() const;
    // What has a final name: every entry but the hidden folder an interrupted transfer keeps
    // for a resume (.ferry-partial-*).
    [[nodiscard]] std::vector<std::string> final_entries() const;
};

// Writes `size` pseudo-random bytes (deterministic per seed).
void make_file(const fs::path& path, std::uint64_t size, std::uint32_t seed = 1);
std::string sha256_of(const fs::path& path);

// The real relay, in process, on 127.0.0.1 with an ephemeral port, on its own thread.
class relay_fixture {
  public:
    explicit relay_fixture(relay::limits limits = fast_limits());
    ~relay_fixture();
    [[nodiscard]] std::string address() const;
    [[nodiscard]] std::uint16_t port() const { return port_; }
    // The server's counts, read on its own thread.
    [[nodiscard]] std::size_t sessions();
    [[nodiscard]] std::size_t connections();
    static relay::limits fast_limits();
    // The server's graceful stop (SIGTERM), without waiting for it.
    void stop();

  private:
    asio::io_context io_;
    std::unique_ptr<relay::server> server_;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

// ferry send -q: started, with its code read from the first line of stdout.
struct sender_process {
    std::unique_ptr<process> proc;
    std::string code;
};
sender_process start_sender(const std::string& relay, const fs::path& file,
                            const std::vector<std::string>& extra = {});
// The same with several paths, files and folders, sent together in this order (one regular
// file alone is still the single-file transfer).
sender_process start_sender(const std::string& relay, const std::vector<fs::path>& paths,
                            const std::vector<std::string>& extra = {});
std::unique_ptr<process> start_receiver(const std::string& relay, const std::string& code,
                                        const fs::path& out_dir,
                                        const std::vector<std::string>& extra = {"--yes"});

// A blocking raw TCP client for speaking (or not speaking) the relay protocol by hand.
class raw_client {
  public:
    // `source`: a local address to connect from (another 127.x address stands in for another host).
    explicit raw_client(std::uint16_t port, const std::string& source = "");
    void send(const std::vector<std::uint8_t>& bytes);
    // Reads one relay frame: {type, payload}; type 0 on EOF.
    std::pair<std::uint8_t, std::vector<std::uint8_t>> read_frame();
    // Reads up to n bytes; empty on EOF.
    std::vector<std::uint8_t> read_some(std::size_t n);
    bool at_eof();  // true once the peer closed
    void shutdown_send();
    tcp::socket& socket() { return socket_; }

  private:
    asio::io_context io_;
    tcp::socket socket_;
};

std::vector<std::uint8_t> allocate_frame();
std::vector<std::uint8_t> claim_frame(std::uint32_t nameplate);
std::vector<std::uint8_t> share_frame();
std::vector<std::uint8_t> ping_frame();
std::vector<std::uint8_t> join_frame(std::uint32_t nameplate,
                                     const std::array<std::uint8_t, 16>& ticket);

}  // namespace ferry::test
