#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/net/asio.hpp"

namespace ferry::test {

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
