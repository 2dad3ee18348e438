// The load client of bench/relay-load: N senders left waiting and M pairs moving data both ways
// through one relay or several (round robin over --relay, or one address in front of them),
// with the relays' memory and CPU read from /proc at each step. Prints figures; never judges them.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/net/address.hpp"
#include "common/net/asio.hpp"
#include "common/wire/bytes.hpp"
#include "common/wire/relay_frame.hpp"

namespace {

using namespace ferry;
namespace rp = ferry::relay_proto;
using asio::experimental::as_tuple;
using steady = std::chrono::steady_clock;

struct options {
    std::vector<tcp::endpoint> relays;
    std::vector<int> pids;  // the relays' processes (and any proxy's), measured
    std::size_t waiting = 10'000;
    std::size_t pairs = 1'000;
    std::size_t bytes = 2u << 20;  // per direction per pair
    std::size_t concurrency = 200;
};

struct usage {
    double rss_kib = 0;
    double cpu_s = 0;
};

usage measure(const std::vector<int>& pids) {
    usage u;
    for (const int pid : pids) {
        std::ifstream status(fmt::format("/proc/{}/status", pid));
        for (std::string line; std::getline(status, line);)
            if (line.starts_with("VmRSS:")) u.rss_kib += std::stod(line.substr(6));
        std::ifstream stat(fmt::format("/proc/{}/stat", pid));
        const std::string text((std::istreambuf_iterator<char>(stat)), {});
        std::istringstream fields(text.substr(text.rfind(')') + 2));
        std::vector<std::string> f{std::istream_iterator<std::string>(fields), {}};
        const auto ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
        u.cpu_s += (std::stod(f.at(11)) + std::stod(f.at(12))) / ticks;
    }
    return u;
}

double seconds_since(steady::time_point t) {
    return std::chrono::duration<double>(steady::now() - t).count();
}

awaitable<tcp::socket> dial(const tcp::endpoint& ep) {
    tcp::socket s(co_await asio::this_coro::executor);
    co_await s.async_connect(ep, use_awaitable);
    s.set_option(tcp::no_delay(true));
    co_return s;
}

// One relay frame: its type and payload; throws on anything else.
awaitable<std::pair<rp::frame_type, std::vector<std::uint8_t>>> read_frame(tcp::socket& s) {
    std::array<std::uint8_t, rp::header_size> header{};
    co_await asio::async_read(s, asio::buffer(header), use_awaitable);
    std::vector<std::uint8_t> payload(rp::payload_size(header, rp::max_payload));
    co_await asio::async_read(s, asio::buffer(payload), use_awaitable);
    co_return std::pair{static_cast<rp::frame_type>(header[5]), std::move(payload)};
}

awaitable<std::uint32_t> allocate(tcp::socket& s) {
    const auto hello = rp::encode(rp::frame{rp::frame_type::allocate, 0, {}, {}});
    co_await asio::async_write(s, asio::buffer(hello), use_awaitable);
    const auto [type, payload] = co_await read_frame(s);
    if (type != rp::frame_type::allocated)
        throw std::runtime_error("ALLOCATE refused: " + std::string(as_chars(payload)));
    co_return get_u32(payload.data());
}

awaitable<void> expect_paired(tcp::socket& s) {
    const auto [type, payload] = co_await read_frame(s);
    if (type != rp::frame_type::paired)
        throw std::runtime_error("not paired: " + std::string(as_chars(payload)));
}

class load {
  public:
    explicit load(options o) : o_(std::move(o)) {}
    void run();

  private:
    // Runs `worker` on o_.concurrency coroutines until each of `count` items is done.
    template <typename Worker>
    void in_parallel(std::size_t count, Worker worker);
    awaitable<void> open_waiting(std::size_t i);
    awaitable<void> open_pair(std::size_t i);
    awaitable<void> move_data(tcp::socket& s);
    awaitable<void> sample_peak(const bool& done);
    [[nodiscard]] const tcp::endpoint& relay(std::size_t i) const {
        return o_.relays[i % o_.relays.size()];
    }

    options o_;
    asio::io_context io_{1};
    std::vector<tcp::socket> waiting_;
    std::vector<tcp::socket> senders_;
    std::vector<tcp::socket> receivers_;
    double peak_kib_ = 0;
    std::size_t failures_ = 0;
};

template <typename Worker>
void load::in_parallel(std::size_t count, Worker worker) {
    std::size_t next = 0;
    for (std::size_t w = 0; w < std::min(o_.concurrency, count); ++w) {
        asio::co_spawn(
            io_,
            [&, worker]() -> awaitable<void> {
                while (next < count) {
                    const auto i = next++;
                    try {
                        co_await (this->*worker)(i);
                    } catch (const std::exception& e) {
                        if (failures_++ < 5) fmt::print(stderr, "item {}: {}\n", i, e.what());
                    }
                }
            },
            asio::detached);
    }
    io_.run();
    io_.restart();
}

awaitable<void> load::open_waiting(std::size_t i) {
    auto s = co_await dial(relay(i));
    co_await allocate(s);
    waiting_[i] = std::move(s);
}

// A sender on one relay, its receiver on the next (through one address: wherever it lands).
awaitable<void> load::open_pair(std::size_t i) {
    auto sender = co_await dial(relay(i));
    const auto nameplate = co_await allocate(sender);
    auto receiver = co_await dial(relay(i + 1));
    const auto claim = rp::encode(rp::frame{rp::frame_type::claim, nameplate, {}, {}});
    co_await asio::async_write(receiver, asio::buffer(claim), use_awaitable);
    co_await expect_paired(receiver);
    co_await expect_paired(sender);
    senders_[i] = std::move(sender);
    receivers_[i] = std::move(receiver);
}

// Writes o_.bytes while it reads as many from the other side, and only then ends its side (FIN):
// no direction is half-closed while the other still moves data. (HAProxy 2.6, Debian 12's, was
// seen to cut the tail of a direction that way, haproxy/haproxy#3457 by the look of it.)
awaitable<void> load::move_data(tcp::socket& s) {
    static const std::vector<std::uint8_t> chunk(64 * 1024, 0x5a);
    bool written = false;
    auto writer = [&]() -> awaitable<void> {
        for (std::size_t sent = 0; sent < o_.bytes;) {
            const auto n = std::min(chunk.size(), o_.bytes - sent);
            co_await asio::async_write(s, asio::buffer(chunk.data(), n), use_awaitable);
            sent += n;
        }
        written = true;
    };
    asio::co_spawn(io_, writer, asio::detached);  // the lambda is kept with its coroutine
    std::vector<std::uint8_t> in(64 * 1024);
    for (std::size_t got = 0; got < o_.bytes;) {
        auto [ec, n] = co_await s.async_read_some(asio::buffer(in), as_tuple(use_awaitable));
        if (ec) throw std::system_error(ec);
        got += n;
    }
    asio::steady_timer poll(io_);
    while (!written) {  // the peer has all it needs once this side's bytes are out
        poll.expires_after(std::chrono::milliseconds(5));
        co_await poll.async_wait(use_awaitable);
    }
    s.shutdown(tcp::socket::shutdown_send);
}

awaitable<void> load::sample_peak(const bool& done) {
    asio::steady_timer t(io_);
    while (!done) {
        peak_kib_ = std::max(peak_kib_, measure(o_.pids).rss_kib);
        t.expires_after(std::chrono::milliseconds(100));
        co_await t.async_wait(use_awaitable);
    }
}

void load::run() {
    const auto base = measure(o_.pids);
    waiting_.reserve(o_.waiting);
    for (std::size_t i = 0; i < o_.waiting; ++i)
        waiting_.emplace_back(io_);
    in_parallel(o_.waiting, &load::open_waiting);
    const auto with_waiting = measure(o_.pids);
    fmt::print(
        "waiting senders: {}, relay RSS {:.1f} -> {:.1f} MiB: {:.1f} KiB per waiting sender\n",
        o_.waiting, base.rss_kib / 1024, with_waiting.rss_kib / 1024,
        (with_waiting.rss_kib - base.rss_kib) / static_cast<double>(o_.waiting));

    for (std::size_t i = 0; i < o_.pairs; ++i) {
        senders_.emplace_back(io_);
        receivers_.emplace_back(io_);
    }
    const auto pairing = steady::now();
    in_parallel(o_.pairs, &load::open_pair);
    const auto took = seconds_since(pairing);
    const auto with_pairs = measure(o_.pids);
    fmt::print("pairs: {} made in {:.2f} s: {:.0f} pairings/s ({} at a time)\n", o_.pairs, took,
               static_cast<double>(o_.pairs) / took, o_.concurrency);

    bool done = false;
    asio::co_spawn(io_, sample_peak(done), asio::detached);
    const auto moving = steady::now();
    std::size_t open = 0;
    for (std::size_t i = 0; i < o_.pairs; ++i) {
        for (auto* s : {&senders_[i], &receivers_[i]}) {
            if (!s->is_open()) continue;
            ++open;
            asio::co_spawn(
                io_,
                [this, s, &open, &done]() -> awaitable<void> {
                    try {
                        co_await move_data(*s);
                    } catch (const std::exception& e) {
                        if (failures_++ < 5) fmt::print(stderr, "data: {}\n", e.what());
                    }
                    if (--open == 0) done = true;
                },
                asio::detached);
        }
    }
    io_.run();
    io_.restart();
    const auto data_s = seconds_since(moving);
    const auto after = measure(o_.pids);
    const double gib = static_cast<double>(o_.pairs * o_.bytes * 2) / (1u << 30);
    fmt::print(
        "active pairs moving data: relay RSS peak {:.1f} MiB: {:.1f} KiB per active pair "
        "(idle pairs: {:.1f} KiB; kernel pipes and socket buffers are not in RSS)\n",
        peak_kib_ / 1024, (peak_kib_ - with_waiting.rss_kib) / static_cast<double>(o_.pairs),
        (with_pairs.rss_kib - with_waiting.rss_kib) / static_cast<double>(o_.pairs));
    fmt::print(
        "data: {:.2f} GiB relayed ({} pairs x {} MiB each way) in {:.2f} s: {:.2f} GiB/s; "
        "relay CPU {:.2f} s: {:.2f} CPU s per GiB\n",
        gib, o_.pairs, o_.bytes >> 20, data_s, gib / data_s, after.cpu_s - with_pairs.cpu_s,
        (after.cpu_s - with_pairs.cpu_s) / gib);
    if (failures_ > 0) fmt::print("failures: {}\n", failures_);
}

}  // namespace

int main(int argc, char* argv[]) {
    options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const std::string v = argv[i + 1];
        if (flag == "--relay") {
            const auto hp = parse_host_port(v);
            o.relays.emplace_back(asio::ip::make_address(hp.host), hp.port);
        } else if (flag == "--pid") {
            o.pids.push_back(std::stoi(v));
        } else if (flag == "--waiting") {
            o.waiting = std::stoul(v);
        } else if (flag == "--pairs") {
            o.pairs = std::stoul(v);
        } else if (flag == "--mib") {
            o.bytes = std::stoul(v) << 20;
        } else {
            fmt::print(stderr, "unknown flag {}\n", flag);
            return 2;
        }
    }
    if (o.relays.empty()) {
        fmt::print(stderr,
                   "usage: relay_load --relay ADDR:PORT... --pid PID... [--waiting N] [--pairs M] "
                   "[--mib MIB]\n");
        return 2;
    }
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
    try {
        load(o).run();
    } catch (const std::exception& e) {
        fmt::print(stderr, "relay_load: {}\n", e.what());
        return 1;
    }
    return 0;
}
