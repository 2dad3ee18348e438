// Three `ferry relay --cluster` processes sharing one redis-server (started by the test on a free
// port, its data in a temporary folder): transfers whose two sides use different relays, HAProxy
// in round robin in front, nameplates unique across the cluster, limits that hold across it, a
// relay killed, Redis stopped and started again, and links that only relays may open.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "common/wire/bytes.hpp"
#include "common/wire/relay_frame.hpp"
#include "relay/link_frame.hpp"
#include "tests/support/helpers.hpp"
#include "tests/support/relay_process.hpp"
#include "tests/support/wait.hpp"

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;
namespace rp = ferry::relay_proto;

namespace {

constexpr auto allocated = static_cast<std::uint8_t>(rp::frame_type::allocated);
constexpr auto paired = static_cast<std::uint8_t>(rp::frame_type::paired);
constexpr auto error = static_cast<std::uint8_t>(rp::frame_type::error);
const std::string secret_text = "a cluster secret for the tests, 48 bytes long..";

std::string link_outcome(const std::string& outcome) {
    return "ferry_relay_links_total{outcome=\"" + outcome + "\"}";
}
std::string ended(const std::string& outcome) {
    return "ferry_relay_sessions_ended_total{outcome=\"" + outcome + "\"}";
}

// Redis and relays sharing it, each relay with `extra` flags.
struct cluster_fixture {
    temp_dir dir;
    redis_server redis{dir.path};
    std::vector<relay_process> relays;

    explicit cluster_fixture(std::size_t n, const std::vector<std::string>& extra = {}) {
        std::ofstream(dir.path / "secret") << secret_text << "\n";
        for (std::size_t i = 0; i < n; ++i)
            relays.push_back(start(extra));
    }
    // `host`: the address it advertises (and its links leave from).
    relay_process start(const std::vector<std::string>& extra,
                        const std::string& host = "127.0.0.1") {
        std::vector<std::string> args{"--cluster",
                                      redis.url(),
                                      "--advertise",
                                      host + ":0",
                                      "--cluster-secret-file",
                                      (dir.path / "secret").string()};
        args.insert(args.end(), extra.begin(), extra.end());
        return start_relay(args);
    }
    // Nameplate keys by the relay holding them.
    std::map<std::string, std::size_t> held() {
        std::map<std::string, std::size_t> by_owner;
        for (const auto& [key, owner] : redis.values("ferry:np:*"))
            ++by_owner[owner];
        return by_owner;
    }
};

// ALLOCATE on a raw connection: the nameplate, or 0 and the error code.
std::pair<std::uint32_t, std::uint8_t> allocate_on(raw_client& c) {
    c.send(allocate_frame());
    const auto [type, payload] = c.read_frame();
    if (type == allocated) return {get_u32(payload.data()), 0};
    return {0, type == error && !payload.empty() ? payload[0] : std::uint8_t{0}};
}

std::uint8_t error_of(raw_client& c) {
    const auto [type, payload] = c.read_frame();
    return type == error && !payload.empty() ? payload[0] : std::uint8_t{0};
}

std::string text_of(const std::vector<std::uint8_t>& payload) {
    return payload.size() > 1 ? std::string(payload.begin() + 1, payload.end()) : std::string();
}

void read_exactly(raw_client& c, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
        const auto part = c.read_some(n - got);
        REQUIRE(!part.empty());
        got += part.size();
    }
}

// Bytes both ways through a raw pair.
void exchange(raw_client& sender, raw_client& receiver, std::size_t n) {
    sender.send(std::vector<std::uint8_t>(n, 1));
    read_exactly(receiver, n);
    receiver.send(std::vector<std::uint8_t>(n, 2));
    read_exactly(sender, n);
}

// A raw sender on `a` and its receiver on `b`, paired.
struct raw_pair {
    raw_client sender;
    raw_client receiver;
    raw_pair(std::uint16_t a, std::uint16_t b) : sender(a), receiver(b) {
        const auto [nameplate, code] = allocate_on(sender);
        REQUIRE(nameplate != 0);
        receiver.send(claim_frame(nameplate));
        REQUIRE(receiver.read_frame().first == paired);
        REQUIRE(sender.read_frame().first == paired);
    }
};

double sum(std::vector<relay_process>& relays, const std::string& name) {
    double total = 0;
    for (auto& r : relays)
        total += value(scrape(r.metrics_port), name);
    return total;
}

void transfer_across(const std::string& send_via, const std::string& receive_via,
                     const fs::path& file) {
    auto sender = start_sender(send_via, file);
    REQUIRE(!sender.code.empty());
    const temp_dir out;
    auto receiver = start_receiver(receive_via, sender.code, out.path);
    INFO(receiver->error_output());
    REQUIRE(receiver->wait(60s) == 0);
    REQUIRE(sender.proc->wait(60s) == 0);
    CHECK(sha256_of(out.path / file.filename()) == sha256_of(file));
}

}  // namespace

TEST_CASE("transfers whose sender and receiver use different relays of a cluster all verify",
          "[cluster][e2e]") {
    cluster_fixture cluster(3);
    auto& relays = cluster.relays;
    const temp_dir src;
    std::vector<fs::path> files;
    for (std::uint32_t i = 0; i < 10; ++i) {
        files.push_back(src.path / ("file-" + std::to_string(i) + ".bin"));
        make_file(files.back(), 1000 + i * 37'000, i + 1);
    }
    constexpr std::size_t transfers = 100;
    constexpr std::size_t parallel = 5;
    for (std::size_t batch = 0; batch < transfers / parallel; ++batch) {
        std::vector<sender_process> senders;
        std::vector<std::unique_ptr<process>> receivers;
        std::vector<std::unique_ptr<temp_dir>> outs;
        for (std::size_t j = 0; j < parallel; ++j) {
            const auto i = batch * parallel + j;
            senders.push_back(start_sender(relays[i % 3].address(), files[i % files.size()]));
            REQUIRE(!senders.back().code.empty());
        }
        for (std::size_t j = 0; j < parallel; ++j) {
            const auto i = batch * parallel + j;
            outs.push_back(std::make_unique<temp_dir>());
            receivers.push_back(
                start_receiver(relays[(i + 1) % 3].address(), senders[j].code, outs.back()->path));
        }
        for (std::size_t j = 0; j < parallel; ++j) {
            const auto& file = files[(batch * parallel + j) % files.size()];
            INFO("transfer " << batch * parallel + j << ": " << receivers[j]->error_output());
            REQUIRE(receivers[j]->wait(60s) == 0);
            REQUIRE(senders[j].proc->wait(60s) == 0);
            CHECK(sha256_of(outs[j]->path / file.filename()) == sha256_of(file));
        }
    }
    // Each session is counted once, by the relay its sender waited at; each went over one link.
    REQUIRE(wait_until([&] { return sum(relays, link_outcome("completed")) == transfers; }, 20s));
    CHECK(sum(relays, ended("completed")) == transfers);
    CHECK(sum(relays, "ferry_relay_links_accepted_total") == transfers);
    CHECK(sum(relays, "ferry_relay_links_refused_total") == 0);
    CHECK(sum(relays, "ferry_relay_cluster_up") == 3);
    CHECK(sum(relays, "ferry_relay_links_active") == 0);
    // Released at once: no lease left behind.
    CHECK(cluster.held().empty());
}

TEST_CASE("behind HAProxy in round robin, transfers and a share across relays verify",
          "[cluster][e2e]") {
    cluster_fixture cluster(3);
    auto& relays = cluster.relays;
    const auto front = free_port();
    REQUIRE(::access("/usr/sbin/haproxy", X_OK) == 0);  // scripts/bootstrap installs it
    const auto config = cluster.dir.path / "haproxy.cfg";
    {
        std::ofstream cfg(config);
        cfg << "global\n  maxconn 2000\ndefaults\n  mode tcp\n  timeout connect 5s\n"
            << "  timeout client 60s\n  timeout server 60s\n"
            << "frontend relays\n  bind 127.0.0.1:" << front << "\n  default_backend relays\n"
            << "backend relays\n  balance roundrobin\n";
        for (std::size_t i = 0; i < relays.size(); ++i)
            cfg << "  server r" << i << " " << relays[i].address() << "\n";
    }
    process haproxy({"/usr/sbin/haproxy", "-db", "-f", config.string()});
    REQUIRE(wait_for_port(front));
    const auto via = "127.0.0.1:" + std::to_string(front);

    const temp_dir src;
    const auto file = src.path / "report.pdf";
    make_file(file, 300'000, 5);
    for (int i = 0; i < 12; ++i)
        transfer_across(via, via, file);
    // Round robin: most of those went over a link.
    CHECK(sum(relays, link_outcome("completed")) >= 6);

    // A share's control connection, its receivers' claims and its data connections (JOIN) land
    // on any relay.
    auto share = start_share(via, {file});
    REQUIRE(!share.code.empty());
    for (int i = 0; i < 4; ++i) {
        const temp_dir out;
        auto receiver = start_receiver(via, share.code, out.path);
        INFO(receiver->error_output());
        REQUIRE(receiver->wait(60s) == 0);
        CHECK(sha256_of(out.path / "report.pdf") == sha256_of(file));
    }
    share.proc->kill(SIGINT);
    CHECK(share.proc->wait(60s) == 0);
}

TEST_CASE("a nameplate is never handed out twice across the cluster", "[cluster][e2e]") {
    // 5,000 senders waiting at once, a third on each relay: this process holds their sockets,
    // and the relays it starts inherit its limit. The soft limit goes up to the hard one; a hard
    // limit too low fails the test with the reason rather than letting it pass unchecked.
    rlimit rl{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &rl) == 0);
    rl.rlim_cur = rl.rlim_max;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &rl) == 0);
    constexpr std::size_t senders = 5000;
    if (rl.rlim_cur < senders + 200) {
        FAIL("the descriptor limit (ulimit -Hn) " << rl.rlim_cur << " is too low for " << senders
                                                  << " senders; raise it to at least "
                                                  << senders + 200);
    }
    cluster_fixture cluster(
        3, {"--max-sessions", "5000", "--max-waiting-per-address", "10000", "--max-connections",
            "10000", "--max-connections-per-address", "10000"});
    auto& relays = cluster.relays;
    asio::io_context io;
    std::vector<tcp::socket> sockets;
    sockets.reserve(senders);
    std::map<std::uint32_t, std::string> nameplates;  // to the relay that handed it out
    for (std::size_t i = 0; i < senders; ++i) {
        auto& s = sockets.emplace_back(io);
        const auto& relay = relays[i % 3];
        s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), relay.port));
        asio::write(s, asio::buffer(allocate_frame()));
        std::array<std::uint8_t, 12> answer{};
        asio::read(s, asio::buffer(answer));
        REQUIRE(answer[5] == allocated);
        const auto nameplate = get_u32(answer.data() + 8);
        INFO("nameplate " << nameplate);
        REQUIRE(nameplates.emplace(nameplate, relay.advertised()).second);
    }
    CHECK(nameplates.size() == senders);
    // Redis holds exactly these, each by the relay that handed it out.
    const auto keys = cluster.redis.values("ferry:np:*");
    CHECK(keys.size() == senders);
    std::size_t matching = 0;
    for (const auto& [nameplate, owner] : nameplates) {
        const auto it = keys.find("ferry:np:" + std::to_string(nameplate));
        matching += it != keys.end() && it->second == owner ? 1U : 0U;
    }
    CHECK(matching == senders);
    // The senders leave: every nameplate is released at once, not when its lease runs out.
    sockets.clear();
    CHECK(wait_until([&] { return cluster.held().empty(); }, 30s));
}

TEST_CASE("per-address limits hold across the cluster", "[cluster][e2e]") {
    cluster_fixture cluster(3,
                            {"--max-waiting-per-address", "4", "--failed-claims-per-minute", "3"});
    auto& relays = cluster.relays;
    // Waiting senders: 4 from this address in all, wherever they wait.
    std::vector<std::unique_ptr<raw_client>> waiting;
    std::vector<std::uint8_t> codes;
    for (int i = 0; i < 6; ++i) {
        waiting.push_back(
            std::make_unique<raw_client>(relays[static_cast<std::size_t>(i) % 3].port));
        codes.push_back(allocate_on(*waiting.back()).second);
    }
    CHECK(codes == std::vector<std::uint8_t>{
                       0, 0, 0, 0, static_cast<std::uint8_t>(rp::error_code::too_many_waiting),
                       static_cast<std::uint8_t>(rp::error_code::too_many_waiting)});
    // Failed claims: 3 a minute from this address, wherever they land.
    for (int i = 0; i < 3; ++i) {
        raw_client claimer(relays[static_cast<std::size_t>(i) % 3].port);
        claimer.send(claim_frame(987'654));
        CHECK(error_of(claimer) == static_cast<std::uint8_t>(rp::error_code::unknown_nameplate));
    }
    for (auto& relay : relays) {
        raw_client claimer(relay.port);
        claimer.send(claim_frame(987'654));
        CHECK(error_of(claimer) == static_cast<std::uint8_t>(rp::error_code::rate_limited));
    }
}

TEST_CASE("claims sent at once to every relay cannot share one failed-claims token",
          "[cluster][e2e]") {
    cluster_fixture cluster(3, {"--failed-claims-per-minute", "3"});
    std::vector<std::unique_ptr<raw_client>> claimers;
    for (std::size_t i = 0; i < 12; ++i)
        claimers.push_back(std::make_unique<raw_client>(cluster.relays[i % 3].port));
    for (auto& c : claimers)
        c->send(claim_frame(987'654));
    std::map<std::uint8_t, int> codes;
    for (auto& c : claimers)
        ++codes[error_of(*c)];
    CHECK(codes[static_cast<std::uint8_t>(rp::error_code::unknown_nameplate)] == 3);
    CHECK(codes[static_cast<std::uint8_t>(rp::error_code::rate_limited)] == 9);
}

TEST_CASE("a link the sender's relay refuses is a clear error for the receiver", "[cluster][e2e]") {
    cluster_fixture cluster(1);
    // A relay of the same Redis under another secret: its links are not authentic.
    std::ofstream(cluster.dir.path / "other-secret") << "another secret, 16 bytes or more\n";
    auto odd = start_relay({"--cluster", cluster.redis.url(), "--advertise", "127.0.0.1:0",
                            "--cluster-secret-file", (cluster.dir.path / "other-secret").string()});
    raw_client sender(cluster.relays[0].port);
    const auto [nameplate, code] = allocate_on(sender);
    REQUIRE(nameplate != 0);
    raw_client receiver(odd.port);
    receiver.send(claim_frame(nameplate));
    const auto [type, payload] = receiver.read_frame();
    CHECK(type == error);
    REQUIRE(!payload.empty());
    CHECK(payload[0] == static_cast<std::uint8_t>(rp::error_code::cluster_unavailable));
    CHECK_THAT(text_of(payload), Catch::Contains("cannot be reached"));
    CHECK(value(scrape(odd.metrics_port), link_outcome("unreachable")) == 1);
    CHECK(value(scrape(cluster.relays[0].metrics_port), "ferry_relay_links_refused_total") == 1);
}

TEST_CASE("a relay that dies ends only its own pairs, and its nameplates are free within the lease",
          "[cluster][e2e]") {
    // 22 senders from this address wait at once: over the default 20, which holds in the cluster.
    cluster_fixture cluster(3, {"--max-waiting-per-address", "100"});
    auto& relays = cluster.relays;
    std::vector<std::unique_ptr<raw_client>> on_a;
    std::vector<std::unique_ptr<raw_client>> on_b;
    for (int i = 0; i < 10; ++i) {
        on_a.push_back(std::make_unique<raw_client>(relays[0].port));
        REQUIRE(allocate_on(*on_a.back()).first != 0);
        on_b.push_back(std::make_unique<raw_client>(relays[1].port));
        REQUIRE(allocate_on(*on_b.back()).first != 0);
    }
    raw_pair across(relays[0].port, relays[1].port);  // through A: it dies with A
    raw_pair elsewhere(relays[2].port, relays[1].port);
    exchange(across.sender, across.receiver, 1000);
    exchange(elsewhere.sender, elsewhere.receiver, 1000);
    // A paired nameplate stays in use (a second claim of it is "taken") until its pair ends.
    REQUIRE(cluster.held()[relays[0].advertised()] == 11);

    relays[0].proc->kill(SIGKILL);
    relays[0].proc->wait(30s);
    CHECK(across.receiver.at_eof());
    // The lease is 6 s; checked every 100 ms for twice that.
    CHECK(wait_until([&] { return cluster.held().count(relays[0].advertised()) == 0; }, 12s));
    CHECK(cluster.held()[relays[1].advertised()] == 10);
    exchange(elsewhere.sender, elsewhere.receiver, 100'000);
    for (auto& c : on_b) {
        // Still waiting: nothing came, the relay did not close them.
        c->socket().non_blocking(true);
        std::array<std::uint8_t, 1> probe{};
        std::error_code ec;
        c->socket().read_some(asio::buffer(probe), ec);
        CHECK(ec == asio::error::would_block);
        c->socket().non_blocking(false);
    }
}

TEST_CASE("with Redis gone the cluster refuses new sessions clearly, keeps its pairs, and recovers",
          "[cluster][e2e]") {
    cluster_fixture cluster(2);
    auto& relays = cluster.relays;
    raw_pair across(relays[0].port, relays[1].port);
    exchange(across.sender, across.receiver, 1000);

    cluster.redis.stop();
    {
        raw_client sender(relays[0].port);
        sender.send(allocate_frame());
        const auto [type, payload] = sender.read_frame();
        CHECK(type == error);
        REQUIRE(!payload.empty());
        CHECK(payload[0] == static_cast<std::uint8_t>(rp::error_code::cluster_unavailable));
        CHECK_THAT(text_of(payload), Catch::Contains("relay cluster unavailable"));
        raw_client receiver(relays[1].port);
        receiver.send(claim_frame(123));
        CHECK(error_of(receiver) == static_cast<std::uint8_t>(rp::error_code::cluster_unavailable));
    }
    // The ferry client says so, as a network failure (exit 3).
    const temp_dir src;
    const auto file = src.path / "notes.txt";
    make_file(file, 5000, 3);
    {
        auto sender = start_sender(relays[0].address(), file);
        CHECK(sender.proc->wait(30s) == 3);
        CHECK_THAT(sender.proc->error_output(), Catch::Contains("relay cluster unavailable"));
    }
    CHECK(wait_until(
        [&] { return value(scrape(relays[0].metrics_port), "ferry_relay_cluster_up") == 0; }, 20s));
    exchange(across.sender, across.receiver, 100'000);  // the running pair goes on

    cluster.redis.start();
    CHECK(wait_until(
        [&] {
            raw_client sender(relays[0].port);
            return allocate_on(sender).first != 0;
        },
        20s));
    CHECK(wait_until([&] { return sum(relays, "ferry_relay_cluster_up") == 2; }, 20s));
    transfer_across(relays[0].address(), relays[1].address(), file);
    exchange(across.sender, across.receiver, 1000);
}

TEST_CASE("a relay stopped gracefully releases its nameplates at once", "[cluster][e2e]") {
    cluster_fixture cluster(2);
    auto& relays = cluster.relays;
    std::vector<std::unique_ptr<raw_client>> waiting;
    for (int i = 0; i < 10; ++i) {
        waiting.push_back(std::make_unique<raw_client>(relays[0].port));
        REQUIRE(allocate_on(*waiting.back()).first != 0);
    }
    REQUIRE(cluster.held()[relays[0].advertised()] == 10);
    relays[0].proc->kill(SIGTERM);
    REQUIRE(relays[0].proc->wait(30s) == 0);
    // Deleted, not left to expire: gone as the relay exits, well within the 6 s lease.
    CHECK(cluster.held().count(relays[0].advertised()) == 0);
    for (auto& c : waiting)
        CHECK(error_of(*c) == static_cast<std::uint8_t>(rp::error_code::shutting_down));
}

TEST_CASE("only relays of the cluster may open a link", "[cluster][e2e]") {
    cluster_fixture cluster(1);
    auto& relay = cluster.relays[0];
    const auto secret = as_bytes(secret_text);
    const auto link_with = [&](byte_span key, std::uint8_t nonce = 0x5a) {
        relay::link_hello l;
        l.unix_ms =
            static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
        l.nonce.fill(nonce);
        l.client_address = "198.51.100.7:4000";
        l.hello = claim_frame(4242);
        return relay::encode_link(l, key);
    };
    const auto good = link_with(secret);
    // A client's own hello on the link port, or a LINK under another secret: closed unanswered.
    {
        raw_client plain(relay.link_port);
        plain.send(claim_frame(4242));
        plain.shutdown_send();
        CHECK(plain.read_frame().first == 0);
    }
    {
        raw_client forger(relay.link_port);
        forger.send(link_with(as_bytes(std::string_view("another secret of 16+ bytes"))));
        CHECK(forger.read_frame().first == 0);
    }
    // The real thing: the claim is served (and refused: nobody waits with 4242).
    {
        raw_client peer(relay.link_port);
        peer.send(good);
        CHECK(error_of(peer) == static_cast<std::uint8_t>(rp::error_code::unknown_nameplate));
    }
    // The same LINK again: a replay.
    {
        raw_client replay(relay.link_port);
        replay.send(good);
        CHECK(replay.read_frame().first == 0);
    }
    // A LINK on the client port is no hello.
    {
        raw_client confused(relay.port);
        confused.send(good);
        CHECK(error_of(confused) == static_cast<std::uint8_t>(rp::error_code::bad_hello));
    }
    const auto m = scrape(relay.metrics_port);
    CHECK(value(m, "ferry_relay_links_refused_total") == 3);
    CHECK(value(m, "ferry_relay_links_accepted_total") == 1);
    CHECK(value(m, ended("unknown_nameplate")) == 1);
    // At most 64 connections wait on the link port without a LINK: the next is closed at once
    // (the relay accepts in order, so it is the 65th that finds the port full).
    std::vector<std::unique_ptr<raw_client>> silent;
    for (int i = 0; i < 64; ++i)
        silent.push_back(std::make_unique<raw_client>(relay.link_port));
    raw_client one_more(relay.link_port);
    CHECK(one_more.read_frame().first == 0);
    silent.clear();
    // Room again once they have gone (each counted as refused: closed before its LINK).
    REQUIRE(wait_until([&] {
        return value(scrape(relay.metrics_port), "ferry_relay_links_refused_total") == 3 + 1 + 64;
    }));
    raw_client peer(relay.link_port);
    peer.send(link_with(secret, 0x5b));
    CHECK(error_of(peer) == static_cast<std::uint8_t>(rp::error_code::unknown_nameplate));
}

// A flood of connections that never send a LINK, from 127.0.0.2 and from 16 more addresses,
// held open (the hello timeout is long) on the link port of relay A: the strangers share 32
// places, 4 from one address, and the link relay B opens from the address it advertises
// (127.0.0.3, listed in Redis) has room of its own, so the transfer across goes through.
TEST_CASE("a flood of idle connections on the link port does not stop links between relays",
          "[cluster][e2e]") {
    const std::vector<std::string> slow_hellos{"--hello-timeout", "60s"};
    cluster_fixture cluster(1, slow_hellos);
    cluster.relays.push_back(cluster.start(slow_hellos, "127.0.0.3"));
    auto& a = cluster.relays[0];
    auto& b = cluster.relays[1];
    for (auto* r : {&a, &b}) {
        REQUIRE(wait_until(
            [&] { return value(scrape(r->metrics_port), "ferry_relay_cluster_relays") == 2; }));
    }
    std::vector<std::unique_ptr<raw_client>> flood;
    for (int i = 0; i < 80; ++i)
        flood.push_back(std::make_unique<raw_client>(a.link_port, "127.0.0.2"));
    for (int host = 4; host < 20; ++host) {
        for (int i = 0; i < 4; ++i) {
            const auto source = "127.0.0." + std::to_string(host);
            flood.push_back(std::make_unique<raw_client>(a.link_port, source));
        }
    }
    // The relay accepts in order: the link comes after the whole flood.
    raw_pair across(a.port, b.port);
    exchange(across.sender, across.receiver, 100'000);
    const auto m = scrape(a.metrics_port);
    CHECK(value(m, "ferry_relay_links_accepted_total") == 1);
    // 76 of 127.0.0.2's found no room, and 36 of the others (4 + 28 strangers fill 32).
    CHECK(value(m, "ferry_relay_links_refused_total") == 76 + 36);
}
