// relay::pipe() over loopback sockets, in process: how each way of ending ends the pair.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <optional>
#include <thread>

#include "relay/pipe.hpp"

using namespace ferry;
using namespace ferry::relay;
using namespace std::chrono_literals;

namespace {

// A client's end and the relay's end of one loopback connection.
struct connection {
    tcp::socket client;
    tcp::socket relay;
};

connection connect_pair(asio::io_context& io) {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    connection c{tcp::socket(io), tcp::socket(io)};
    c.client.connect(acceptor.local_endpoint());
    c.relay = acceptor.accept();
    timeval tv{10, 0};  // a broken pipe fails the test instead of hanging it
    ::setsockopt(c.client.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return c;
}

// SO_LINGER 0: close() sends RST instead of FIN.
void reset(tcp::socket& s) {
    s.set_option(asio::socket_base::linger(true, 0));
    s.close();
}

// Everything the client end reads until the end of the stream; "<timeout>" if it did not end.
std::string read_to_end(tcp::socket& s) {
    std::string got;
    std::array<char, 4096> buf{};
    for (;;) {
        const auto n = ::recv(s.native_handle(), buf.data(), buf.size(), 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return got + "<timeout>";
        if (n <= 0) return got;
        got.append(buf.data(), static_cast<std::size_t>(n));
    }
}

}  // namespace

TEST_CASE("a reset of one side is passed on to the other at once as an orderly end", "[pipe]") {
    const auto mode = GENERATE(pipe_mode::automatic, pipe_mode::copy);
    asio::io_context io;
    auto a = connect_pair(io);
    auto b = connect_pair(io);
    std::optional<pipe_result> result;
    asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
            pipe_result piped;
            co_await pipe(a.relay, b.relay, piped, 5min, 128 * 1024, mode);
            result = piped;
        },
        asio::detached);
    // Last words, then a reset: the words still cross, then b's client sees the end (a FIN) at
    // once, although b has said nothing and the idle timeout is minutes away. A client that sees
    // the end closes, and that ends the pair.
    std::thread relay_thread([&] { io.run_for(20s); });
    asio::write(a.client, asio::buffer(std::string_view("last words")));
    reset(a.client);
    CHECK(read_to_end(b.client) == "last words");
    b.client.close();
    relay_thread.join();
    REQUIRE(result.has_value());
    CHECK(result->outcome == pipe_outcome::reset);
    CHECK(std::string(describe(result->outcome)) == "connection-lost");
}

TEST_CASE("a side that stays silent after the other closed ends the pair at the half-close limit",
          "[pipe]") {
    const auto mode = GENERATE(pipe_mode::automatic, pipe_mode::copy);
    asio::io_context io;
    auto a = connect_pair(io);
    auto b = connect_pair(io);
    std::optional<pipe_result> result;
    asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
            pipe_result piped;
            // The idle limit is minutes away: only the half-close limit can end this pair.
            co_await pipe(a.relay, b.relay, piped, 5min, 128 * 1024, mode, 300ms);
            result = piped;
            a.relay.close();  // as the relay's pair does when pipe() returns
            b.relay.close();
        },
        asio::detached);
    std::thread relay_thread([&] { io.run_for(20s); });
    // a leaves in order; b, whose path went silent, never closes: b's client sees the FIN, and
    // then the relay closes b's side too.
    a.client.shutdown(tcp::socket::shutdown_send);
    CHECK(read_to_end(b.client).empty());
    CHECK(read_to_end(a.client).empty());  // the pair ended: a's side is closed as well
    relay_thread.join();
    REQUIRE(result.has_value());
    CHECK(result->outcome == pipe_outcome::reset);
}
