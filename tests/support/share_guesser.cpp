#include "tests/support/share_guesser.hpp"

#include <algorithm>
#include <functional>

#include "common/crypto/spake2.hpp"
#include "common/net/deadline.hpp"
#include "common/net/relay_client.hpp"
#include "common/session/code.hpp"
#include "common/session/record_channel.hpp"
#include "common/session/session.hpp"

namespace ferry::test {

namespace {

std::vector<std::uint8_t> scalar_of(const code& c) {
    const password_scalar w(c);
    return {w.bytes().begin(), w.bytes().end()};
}

// The same nameplate and words in another order: a valid code that is not this one.
code wrong_of(const code& c) {
    const auto text = c.text();
    const auto first = text.find('-');
    const auto second = text.find('-', first + 1);
    return parse_code(text.substr(0, first) + "-" + text.substr(second + 1) + "-" +
                      text.substr(first + 1, second - first - 1));
}

}  // namespace

struct share_guesser::exchange {
    explicit exchange(asio::io_context& io) : socket(io), go(io) {}
    tcp::socket socket;
    deadline activity;
    std::string local_ip;
    bool right = false;
    bool held = false;
    asio::steady_timer go;  // cancelled: send the confirmation
    answer answered = answer::none;
    bool asked = false;     // confirm() was called
    bool finished = false;  // its coroutine ended (an error included)
};

share_guesser::share_guesser(std::uint16_t relay_port, const std::string& code_text)
    : relay_(asio::ip::make_address("127.0.0.1"), relay_port) {
    const auto c = parse_code(code_text);
    nameplate_ = c.nameplate;
    right_w_ = scalar_of(c);
    wrong_w_ = scalar_of(wrong_of(c));
}

// The exchanges' coroutines hold record channels on the exchanges' sockets: they are ended here
// (sockets closed, waits cancelled), while the exchanges live, before the io_context would destroy
// them with the sockets already gone.
share_guesser::~share_guesser() {
    for (auto& e : exchanges_) {
        std::error_code ignored;
        e->socket.close(ignored);
        e->go.cancel();
    }
    run_until(
        [this] {
            return std::all_of(exchanges_.begin(), exchanges_.end(),
                               [](const auto& e) { return e->finished; });
        },
        std::chrono::seconds(5));
}

std::size_t share_guesser::open(const std::string& local_ip, bool right) {
    auto& e = *exchanges_.emplace_back(std::make_unique<exchange>(io_));
    e.local_ip = local_ip;
    e.right = right;
    e.activity.set(std::chrono::minutes(2));
    e.go.expires_at(clock::time_point::max());
    asio::co_spawn(io_, run(e), [&e](const std::exception_ptr&) { e.finished = true; });
    return exchanges_.size() - 1;
}

awaitable<void> share_guesser::run(exchange& e) {
    e.socket.open(tcp::v4());
    e.socket.bind(tcp::endpoint(asio::ip::make_address(e.local_ip), 0));
    co_await e.socket.async_connect(relay_, use_awaitable);
    co_await claim_nameplate(e.socket, nameplate_);
    record_channel channel(e.socket, e.activity);
    crypto::spake2 pake(crypto::spake2_role::b, e.right ? right_w_ : wrong_w_, identity_sender,
                        identity_receiver);
    const auto mine = pake.my_message();
    auto out = channel.prepare();
    out[0] = pake_record;
    std::copy(mine.begin(), mine.end(), out.begin() + 1);
    co_await channel.send(1 + mine.size());
    const auto theirs = co_await channel.receive();
    auto keys = pake.finish(theirs.subspan(1));
    e.held = true;
    co_await e.go.async_wait(asio::experimental::as_tuple(use_awaitable));
    out = channel.prepare();
    out[0] = confirm_record;
    std::copy(keys.mac_b.begin(), keys.mac_b.end(), out.begin() + 1);
    co_await channel.send(1 + keys.mac_b.size());
    const auto reply = co_await channel.receive();  // throws connection_closed if refused
    const bool valid = reply.size() == 1 + keys.mac_a.size() && reply[0] == confirm_record &&
                       std::equal(keys.mac_a.begin(), keys.mac_a.end(), reply.begin() + 1);
    e.answered = valid ? answer::confirmed : answer::closed;
}

bool share_guesser::run_until(const std::function<bool()>& done, std::chrono::milliseconds within) {
    const auto until = clock::now() + within;
    while (!done()) {
        if (clock::now() >= until) return false;
        io_.restart();
        io_.run_for(std::chrono::milliseconds(20));
    }
    return true;
}

bool share_guesser::wait_held(std::size_t n, std::chrono::milliseconds within) {
    return run_until([&] { return held() >= n; }, within);
}

std::size_t share_guesser::held() const {
    return static_cast<std::size_t>(
        std::count_if(exchanges_.begin(), exchanges_.end(), [](const auto& e) { return e->held; }));
}

bool share_guesser::is_held(std::size_t i) const {
    return exchanges_.at(i)->held;
}

void share_guesser::confirm(std::size_t i) {
    exchanges_.at(i)->asked = true;
    exchanges_.at(i)->go.cancel();
}

bool share_guesser::wait_answers(std::chrono::milliseconds within) {
    return run_until(
        [&] {
            return std::all_of(exchanges_.begin(), exchanges_.end(),
                               [](const auto& e) { return !e->asked || e->finished; });
        },
        within);
}

share_guesser::answer share_guesser::answer_of(std::size_t i) const {
    const auto& e = *exchanges_.at(i);
    return e.answered == answer::none && e.finished ? answer::closed : e.answered;
}

}  // namespace ferry::test
