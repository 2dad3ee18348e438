// record_channel's reconnect, in one process: a link cut (shutdown of the socket in use) in
// the middle of a one-way stream larger than the window; the channels reconnect over a new
// socket pair, rekey, and the receiver gets every record once, in order.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto/spake2.hpp"
#include "common/net/deadline.hpp"
#include "common/net/race.hpp"
#include "common/session/record_channel.hpp"
#include "common/session/session.hpp"

using namespace ferry;

namespace {

constexpr int records = 120;
constexpr std::size_t record_size = 200 * 1024;  // 120 of them: 23 MiB, over the window

struct links {
    asio::io_context io;
    tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)};
    tcp::socket a{io};
    tcp::socket b{io};
    int sender_fd = -1;  // the sender's socket in use, for cutting
    links() {
        a.connect(acceptor.local_endpoint());
        b = acceptor.accept();
        sender_fd = a.native_handle();
    }
};

awaitable<tcp::socket> dial(links* l) {
    tcp::socket s(l->io);
    co_await s.async_connect(l->acceptor.local_endpoint(), use_awaitable);
    l->sender_fd = s.native_handle();
    co_return s;
}

awaitable<tcp::socket> answer(links* l) {
    auto s = co_await l->acceptor.async_accept(use_awaitable);
    co_return s;
}

std::uint8_t fill_of(int i) {
    return static_cast<std::uint8_t>(i * 7 + 1);
}

awaitable<void> send_all(record_channel& out, links& l, const std::vector<int>& cuts) {
    for (int i = 0; i < records; ++i) {
        if (std::find(cuts.begin(), cuts.end(), i) != cuts.end()) {
            ::shutdown(l.sender_fd, SHUT_RDWR);
        }
        auto room = out.prepare();
        put_u32(room.data(), static_cast<std::uint32_t>(i));
        std::fill_n(room.begin() + 4, record_size - 4, fill_of(i));
        co_await out.send(record_size);
    }
}

awaitable<void> wait_done(record_channel& out) {
    const auto last = co_await out.receive();
    REQUIRE(last.size() == 1);
}

awaitable<void> receive_all(record_channel& in, std::vector<int>& got) {
    for (int i = 0; i < records; ++i) {
        const auto r = co_await in.receive();
        REQUIRE(r.size() == record_size);
        const auto number = static_cast<int>(get_u32(r.data()));
        got.push_back(number);
        REQUIRE(r[record_size - 1] == fill_of(number));
    }
    auto room = in.prepare();
    room[0] = 0x42;
    co_await in.send(1);
}

void key(record_channel& c, bool as_sender, const reconnect_secret& s) {
    record_key one{};
    one.fill(1);
    record_key two{};
    two.fill(2);
    if (as_sender) {
        c.encrypt(one, two);
    } else {
        c.encrypt(two, one);
    }
    c.keep_for_reconnect(s);
}

// Keys `out` and `in` as the two ends of one session; with `over`, reconnecting over it.
void pair_up(record_channel& out, record_channel& in, links* over) {
    crypto::spake2_keys keys;
    keys.ke.fill(9);
    keys.transcript.assign(40, 3);
    const auto secret = derive_reconnect_secret(keys);
    key(out, true, secret);
    key(in, false, secret);
    if (over == nullptr) return;
    reconnect_plan to_receiver;
    to_receiver.as_sender = true;
    to_receiver.connect = [over](const rendezvous_id&, clock::duration) { return dial(over); };
    reconnect_plan to_sender;
    to_sender.connect = [over](const rendezvous_id&, clock::duration) { return answer(over); };
    out.enable_reconnect(std::move(to_receiver));
    in.enable_reconnect(std::move(to_sender));
}

// Both channels of `l`, keyed, with reconnect on.
struct channel_pair {
    explicit channel_pair(links& l) : out(l.a, activity), in(l.b, activity) {
        pair_up(out, in, &l);
    }
    deadline activity;
    record_channel out;
    record_channel in;
};

void run(links& l, awaitable<void> task) {
    asio::co_spawn(l.io, std::move(task), [](const std::exception_ptr& e) {
        if (e) std::rethrow_exception(e);
    });
    l.io.run();
}

}  // namespace

TEST_CASE("a cut link is reconnected and every record arrives once in order", "[session]") {
    const auto cuts =
        GENERATE(std::vector<int>{}, std::vector<int>{3}, std::vector<int>{10, 40, 41, 90, 119});
    links l;
    std::vector<int> got;
    std::uint64_t reconnected = 0;
    run(l, [&]() -> awaitable<void> {
        channel_pair c(l);
        co_await both(both(send_all(c.out, l, cuts), wait_done(c.out)), receive_all(c.in, got));
        reconnected = c.out.reconnect_count();
    }());
    std::vector<int> expected(records);
    for (int i = 0; i < records; ++i)
        expected[static_cast<std::size_t>(i)] = i;
    CHECK(got == expected);
    CHECK(reconnected >= (cuts.empty() ? 0 : 1));
    if (cuts.empty()) CHECK(reconnected == 0);
}

// A receiver deciding on an offer waits for the sender to speak; the sender's ACKs of what the
// receiver sent meanwhile (its keepalives) are not the sender speaking.
TEST_CASE("waiting for the peer to speak is not ended by its acknowledgements", "[session]") {
    links l;
    bool spoke = false;
    bool acked_while_waiting = false;
    std::vector<std::uint8_t> said;
    run(l, [&]() -> awaitable<void> {
        channel_pair c(l);
        for (int i = 0; i < 6; ++i) {  // over ack_every: the ACK is due at once
            auto room = c.out.prepare();
            std::fill_n(room.begin(), record_size, fill_of(i));
            co_await c.out.send(record_size);
            const auto got = co_await c.in.receive();
            REQUIRE(got.size() == record_size);
        }
        REQUIRE(c.out.unacknowledged_bytes() > 0);
        const auto waiter = [&]() -> awaitable<void> {
            co_await c.out.wait_readable();
            spoke = true;
            const auto r = co_await c.out.receive();
            said.assign(r.begin(), r.end());
        };
        const auto peer = [&]() -> awaitable<void> {
            co_await c.in.flush();  // the ACK alone
            const auto give_up = clock::now() + std::chrono::seconds(10);
            while (c.out.unacknowledged_bytes() > 0 && clock::now() < give_up)
                co_await sleep_for(std::chrono::milliseconds(1));
            acked_while_waiting = c.out.unacknowledged_bytes() == 0 && !spoke;
            auto room = c.in.prepare();
            room[0] = 0x42;
            co_await c.in.send(1);
        };
        co_await both(waiter(), peer());
    }());
    CHECK(acked_while_waiting);
    CHECK(spoke);
    CHECK(said == std::vector<std::uint8_t>{0x42});
}

namespace {

awaitable<void> send_numbered(record_channel& out, int& sent) {
    for (;;) {
        auto room = out.prepare();
        put_u32(room.data(), static_cast<std::uint32_t>(sent));
        std::fill_n(room.begin() + 4, record_size - 4, fill_of(sent));
        co_await out.send(record_size);
        ++sent;
    }
}

// The marker, then the channel goes (a BYE, when reconnect is on) and its link closes. With
// reconnect on the window may be full: the peer's ACKs are read meanwhile.
awaitable<void> send_marker_and_stop(std::unique_ptr<record_channel>& out, tcp::socket& link) {
    const auto marker = [&]() -> awaitable<void> {
        auto room = out->prepare();
        room[0] = 0x42;
        co_await out->send(1);
    };
    const auto first = co_await race(marker(), out->wait_readable());
    REQUIRE(first == 0U);
    out.reset();
    link.close();
}

struct stream_end {
    std::vector<int> numbers;
    bool marker = false;
    std::string then;  // what the next receive() said
};

// On the reader's own thread: no Catch assertions here.
awaitable<void> read_to_end(record_channel& in, stream_end& seen) {
    for (;;) {
        const auto r = co_await in.receive();
        if (r.size() == 1 && r[0] == 0x42) break;
        const auto number = static_cast<int>(get_u32(r.data()));
        if (r.size() != record_size || r[record_size - 1] != fill_of(number)) {
            throw std::runtime_error("a record of the wrong size or content");
        }
        seen.numbers.push_back(number);
    }
    seen.marker = true;
    try {
        co_await in.receive();
    } catch (const connection_closed& e) {
        seen.then = e.what();
    }
}

// Completes once the kernel takes no more bytes on `s` (nobody reads its other end), so that
// the write under way waits; bounded by 10 s.
awaitable<void> until_full(tcp::socket& s) {
    for (int i = 0; i < 10'000; ++i) {
        pollfd writable{s.native_handle(), POLLOUT, 0};
        if (::poll(&writable, 1, 0) == 0) co_return;
        co_await sleep_for(std::chrono::milliseconds(1));
    }
}

// A reconnect is not what these tests are about: trying one fails it.
reconnect_plan refusing_plan(bool as_sender) {
    reconnect_plan plan;
    plan.as_sender = as_sender;
    plan.connect = [](const rendezvous_id&, clock::duration) -> awaitable<tcp::socket> {
        throw std::runtime_error("this test does not reconnect");
    };
    return plan;
}

// The receiving end, on a thread of its own like the process it stands for: a channel that
// stops waits (a little) until the peer has taken its last bytes.
struct reader_thread {
    asio::io_context io;
    tcp::socket socket{io};
    deadline activity;
    record_channel in{socket, activity};
    stream_end seen;
    std::exception_ptr error;
    std::thread thread;

    explicit reader_thread(tcp::socket& from) { socket.assign(tcp::v4(), from.release()); }
    void start() {
        thread = std::thread([this] {
            asio::co_spawn(io, read_to_end(in, seen), [this](std::exception_ptr e) {
                error = std::move(e);
                io.stop();
            });
            io.run_for(std::chrono::seconds(20));
        });
    }
    ~reader_thread() {
        if (thread.joinable()) thread.join();
    }
};

}  // namespace

// Nobody reads, the socket fills, and the write under way is cancelled part-way through a
// record: the rest of that record goes out before the next one, and a stop still says BYE.
TEST_CASE("a send cut short by a lost race goes out whole before anything else", "[session]") {
    const bool reconnect = GENERATE(false, true);
    links l;
    reader_thread reader(l.b);
    deadline activity;
    auto out = std::make_unique<record_channel>(l.a, activity);
    pair_up(*out, reader.in, nullptr);
    if (reconnect) {
        out->enable_reconnect(refusing_plan(true));
        reader.in.enable_reconnect(refusing_plan(false));
    }
    int sent = 0;
    std::size_t timed_out = 0;
    run(l, [&]() -> awaitable<void> {
        const auto cut = co_await race(send_numbered(*out, sent), until_full(l.a));
        REQUIRE(cut == 1U);
        reader.start();
        timed_out =
            co_await race(send_marker_and_stop(out, l.a), sleep_for(std::chrono::seconds(20)));
    }());
    reader.thread.join();
    const auto& seen = reader.seen;
    INFO("reconnect " << reconnect << ", sent " << sent << ", seen " << seen.numbers.size());
    REQUIRE(timed_out == 0U);
    REQUIRE(!reader.error);
    CHECK(seen.marker);
    REQUIRE(sent > 0);
    const auto count = static_cast<int>(seen.numbers.size());
    CHECK((count == sent || count == sent + 1));
    for (int i = 0; i < count; ++i)
        CHECK(seen.numbers[static_cast<std::size_t>(i)] == i);
    if (reconnect) {
        CHECK(seen.then == "the other side ended the session");
    } else {
        CHECK(!seen.then.empty());
    }
}
