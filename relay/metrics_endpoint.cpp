#include "relay/metrics_endpoint.hpp"

#include <array>
#include <chrono>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/net/deadline.hpp"
#include "common/net/race.hpp"
#include "relay/accept_loop.hpp"
#include "relay/claim_limiter.hpp"

namespace ferry::relay {

namespace {

using asio::experimental::as_tuple;

constexpr std::size_t max_head = 8192;
constexpr std::size_t max_serving = 8;
constexpr std::size_t max_per_address = 2;
constexpr auto head_time = std::chrono::seconds(2);
constexpr auto answer_time = std::chrono::seconds(5);

awaitable<void> write_all(tcp::socket& socket, const std::string& bytes) {
    co_await asio::async_write(socket, asio::buffer(bytes), use_awaitable);
}

}  // namespace

http_verdict judge_request(std::string_view head) {
    const auto line_end = head.find_first_of("\r\n");
    const auto line = head.substr(0, line_end);
    // METHOD SP TARGET SP HTTP/x.y
    const auto first = line.find(' ');
    const auto second = first == std::string_view::npos ? first : line.find(' ', first + 1);
    if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos ||
        !line.substr(second + 1).starts_with("HTTP/1.")) {
        return http_verdict::bad_request;
    }
    const auto method = line.substr(0, first);
    auto target = line.substr(first + 1, second - first - 1);
    target = target.substr(0, target.find('?'));  // Prometheus may add parameters
    if (target != "/metrics") return http_verdict::not_found;
    if (method == "GET") return http_verdict::metrics;
    if (method == "HEAD") return http_verdict::metrics_head;
    return http_verdict::bad_method;
}

namespace {

// The status line, body and extra header of an answer that is not the metrics.
struct http_refusal {
    std::string_view status;
    std::string_view body;
    std::string_view extra;
};

http_refusal refusal_for(http_verdict v) {
    if (v == http_verdict::not_found)
        return {"404 Not Found", "only /metrics is served here\n", ""};
    if (v == http_verdict::bad_method)
        return {"405 Method Not Allowed", "only GET and HEAD\n", "Allow: GET, HEAD\r\n"};
    return {"400 Bad Request", "bad request\n", ""};
}

}  // namespace

std::string http_response(http_verdict v, std::string_view body) {
    const bool metrics = v == http_verdict::metrics || v == http_verdict::metrics_head;
    http_refusal answer{"200 OK", body, ""};
    std::string_view type = "text/plain; version=0.0.4; charset=utf-8";
    if (!metrics) {
        answer = refusal_for(v);
        type = "text/plain; charset=utf-8";
    }
    auto out = fmt::format(
        "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}Connection: close\r\n\r\n",
        answer.status, type, answer.body.size(), answer.extra);
    if (v != http_verdict::metrics_head) out.append(answer.body);
    return out;
}

metrics_endpoint::metrics_endpoint(asio::any_io_executor ex, const tcp::endpoint& listen,
                                   std::function<std::string()> render)
    : executor_(ex), acceptor_(ex), render_(std::move(render)) {
    acceptor_.open(listen.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(listen);
    acceptor_.listen();
}

void metrics_endpoint::start() {
    asio::co_spawn(executor_,
                   accept_loop(
                       acceptor_, [this] { return stopped_; }, spdlog::level::debug,
                       "metrics: accept failed", [this](tcp::socket s) { admit(std::move(s)); }),
                   asio::detached);
}

void metrics_endpoint::stop() {
    stopped_ = true;
    std::error_code ignored;
    acceptor_.close(ignored);
}

void metrics_endpoint::admit(tcp::socket socket) {
    std::error_code peer_ec;
    const auto peer = socket.remote_endpoint(peer_ec);
    if (peer_ec) return;
    const auto from = limit_key(peer.address());
    if (!make_room(from)) return;  // closed as it goes out of scope
    clients_.push_back(client{std::move(socket), from});
    ++counted_;
    ++per_address_[from];
    asio::co_spawn(executor_, serve(std::prev(clients_.end())), asio::detached);
}

// Room for one more from `from`: false over its address's cap, or when every place is taken by
// a connection already answered; else the oldest still reading its head may be closed for it.
bool metrics_endpoint::make_room(const asio::ip::address& from) {
    const auto mine = per_address_.find(from);
    if (mine != per_address_.end() && mine->second >= max_per_address) {
        spdlog::debug("metrics: {} has {} connections open already; closed", from.to_string(),
                      mine->second);
        return false;
    }
    if (counted_ < max_serving) return true;
    for (auto& c : clients_) {
        if (c.evicted || !c.reading) continue;
        spdlog::debug("metrics: {} sent no request yet; closed for a newer connection",
                      c.from.to_string());
        uncount(c);
        c.evicted = true;
        std::error_code ignored;
        c.socket.close(ignored);  // its read ends at once; serve() then drops it
        return true;
    }
    return false;
}

void metrics_endpoint::uncount(client& c) {
    --counted_;
    auto it = per_address_.find(c.from);
    if (--it->second == 0) per_address_.erase(it);
}

// Up to the blank line that ends the head; a head that does not fit is answered as bad.
awaitable<void> metrics_endpoint::read_head(tcp::socket& socket, std::string& head) {
    std::array<char, 1024> chunk{};
    while (head.size() < max_head) {
        auto [ec, n] =
            co_await socket.async_read_some(asio::buffer(chunk), as_tuple(use_awaitable));
        if (ec) co_return;
        head.append(chunk.data(), n);
        if (head.find("\r\n\r\n") != std::string::npos || head.find("\n\n") != std::string::npos)
            co_return;
    }
}

awaitable<void> metrics_endpoint::serve(client_list::iterator c) {
    auto& socket = c->socket;
    std::string head;
    try {
        if (co_await race(read_head(socket, head), sleep_for(head_time)) == 0 && !c->evicted &&
            !head.empty()) {
            c->reading = false;
            const auto verdict = judge_request(head);
            const bool wants_metrics =
                verdict == http_verdict::metrics || verdict == http_verdict::metrics_head;
            const auto response = http_response(verdict, wants_metrics ? render_() : "");
            co_await race(write_all(socket, response), sleep_for(answer_time));
        }
    } catch (const std::exception& e) {
        spdlog::debug("metrics: {}", e.what());
    }
    std::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    if (!c->evicted) uncount(*c);
    clients_.erase(c);
}

}  // namespace ferry::relay
