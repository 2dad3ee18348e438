#include "tests/support/helpers.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <fstream>
#include <stdexcept>

#include "common/crypto/sha256.hpp"
#include "common/wire/relay_frame.hpp"

namespace ferry::test {

namespace rp = relay_proto;

temp_dir::temp_dir() {
    char tmpl[] = "/tmp/ferry-e2e.XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    path = made;
}

temp_dir::~temp_dir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
}

std::vector<std::string> temp_dir::entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path))
        out.push_back(e.path().filename().string());
    return out;
}

std::vector<std::string> temp_dir::final_entries() const {
    auto out = entries();
    std::erase_if(out, [](const std::string& name) { return name.starts_with(".ferry-partial-"); });
    return out;
}

void make_file(const fs::path& path, std::uint64_t size, std::uint32_t seed) {
    std::ofstream out(path, std::ios::binary);
    std::vector<std::uint64_t> block(8192);
    std::uint64_t x = 0x9e3779b97f4a7c15ULL * (seed + 1);
    while (size > 0) {
        for (auto& v : block) {  // xorshift64
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v = x;
        }
        const auto n = std::min<std::uint64_t>(size, block.size() * sizeof(std::uint64_t));
        out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
        size -= n;
    }
}

std::string sha256_of(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "missing";
    sha256 h;
    std::vector<char> buf(1 << 20);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        const auto n = static_cast<std::size_t>(in.gcount());
        h.update({reinterpret_cast<const std::uint8_t*>(buf.data()), n});
    }
    return to_hex(h.finish());
}

relay::limits relay_fixture::fast_limits() {
    relay::limits l;
    // Long enough that a client descheduled on a loaded machine still says hello in time; the
    // tests of the hello timeout itself set a short one.
    l.hello_timeout = std::chrono::seconds(5);
    l.sender_wait = std::chrono::seconds(60);
    l.idle_timeout = std::chrono::seconds(30);
    l.grace = std::chrono::seconds(1);
    return l;
}

relay_fixture::relay_fixture(relay::limits limits) {
    server_ = std::make_unique<relay::server>(
        io_.get_executor(), tcp::endpoint(asio::ip::address_v4::loopback(), 0), limits);
    port_ = server_->local_endpoint().port();
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
}

relay_fixture::~relay_fixture() {
    asio::post(io_, [this] { server_->stop_now(); });
    thread_.join();
}

void relay_fixture::stop() {
    asio::post(io_, [this] { server_->stop(); });
}

std::size_t relay_fixture::sessions() {
    return asio::post(io_, asio::use_future([this] { return server_->sessions(); })).get();
}

std::size_t relay_fixture::connections() {
    return asio::post(io_, asio::use_future([this] { return server_->connections(); })).get();
}

std::string relay_fixture::address() const {
    return "127.0.0.1:" + std::to_string(port_);
}

sender_process start_sender(const std::string& relay, const fs::path& file,
                            const std::vector<std::string>& extra) {
    std::vector<std::string> args{ferry_binary(), "send", "-q", "--relay", relay};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(file.string());
    sender_process s;
    s.proc = std::make_unique<process>(args);
    s.code = s.proc->read_line(std::chrono::seconds(30));
    return s;
}

sender_process start_sender(const std::string& relay, const std::vector<fs::path>& paths,
                            const std::vector<std::string>& extra) {
    std::vector<std::string> args{ferry_binary(), "send", "-q", "--relay", relay};
    args.insert(args.end(), extra.begin(), extra.end());
    for (const auto& p : paths)
        args.push_back(p.string());
    sender_process s;
    s.proc = std::make_unique<process>(args);
    s.code = s.proc->read_line(std::chrono::seconds(30));
    return s;
}

std::unique_ptr<process> start_receiver(const std::string& relay, const std::string& code,
                                        const fs::path& out_dir,
                                        const std::vector<std::string>& extra) {
    std::vector<std::string> args{ferry_binary(), "receive", "--relay",
                                  relay,          "-o",      out_dir.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(code);
    return std::make_unique<process>(args);
}

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
