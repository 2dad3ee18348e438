#include "tests/support/raw_client.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include "common/wire/relay_frame.hpp"

namespace ferry::test {

namespace rp = relay_proto;

raw_client::raw_client(std::uint16_t port, const std::string& source) : socket_(io_) {
    socket_.open(tcp::v4());
    if (!source.empty()) socket_.bind(tcp::endpoint(asio::ip::make_address(source), 0));
    socket_.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
    timeval tv{10, 0};  // a broken relay fails the test instead of hanging it
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

void raw_client::send(const std::vector<std::uint8_t>& bytes) {
    asio::write(socket_, asio::buffer(bytes));
}

std::pair<std::uint8_t, std::vector<std::uint8_t>> raw_client::read_frame() {
    std::vector<std::uint8_t> header(rp::header_size);
    std::error_code ec;
    asio::read(socket_, asio::buffer(header), ec);
    if (ec) return {0, {}};
    std::vector<std::uint8_t> payload(get_u16(header.data() + 6));
    asio::read(socket_, asio::buffer(payload), ec);
    if (ec) return {0, {}};
    return {header[5], payload};
}

std::vector<std::uint8_t> raw_client::read_some(std::size_t n) {
    std::vector<std::uint8_t> buf(n);
    std::error_code ec;
    const auto got = socket_.read_some(asio::buffer(buf), ec);
    buf.resize(ec ? 0 : got);
    return buf;
}

bool raw_client::at_eof() {
    std::array<std::uint8_t, 64> buf{};
    std::error_code ec;
    socket_.read_some(asio::buffer(buf), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
}

void raw_client::shutdown_send() {
    socket_.shutdown(tcp::socket::shutdown_send);
}

std::vector<std::uint8_t> allocate_frame() {
    return rp::encode({rp::frame_type::allocate, 0, {}, {}});
}

std::vector<std::uint8_t> claim_frame(std::uint32_t nameplate) {
    return rp::encode({rp::frame_type::claim, nameplate, {}, {}});
}

std::vector<std::uint8_t> share_frame() {
    return rp::encode({rp::frame_type::share, 0, {}, {}});
}

std::vector<std::uint8_t> ping_frame() {
    return rp::encode({rp::frame_type::ping, 0, {}, {}});
}

std::vector<std::uint8_t> join_frame(std::uint32_t nameplate,
                                     const std::array<std::uint8_t, 16>& ticket) {
    rp::frame join{rp::frame_type::join, nameplate, {}, {}};
    join.ticket = ticket;
    return rp::encode(join);
}

}  // namespace ferry::test
