#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/net/asio.hpp"

namespace ferry::relay {

// What an HTTP request head (up to its blank line) asks of the metrics endpoint.
enum class http_verdict { metrics, metrics_head, not_found, bad_method, bad_request };
http_verdict judge_request(std::string_view head);
// The whole HTTP/1.1 response for a verdict; `body` is the exposition text for metrics(_head).
std::string http_response(http_verdict v, std::string_view body);

// `GET /metrics` over plain HTTP on its own port, for Prometheus. Runs on the relay's executor,
// so that `render` reads the relay's state without locks; one request per connection, its head
// bounded in size (8 KiB) and time (2 s), its answer in time (5 s). At most 8 connections at
// once, 2 from one address (more from it are closed at once); when all 8 are taken, the oldest
// still waiting for its head is closed to make room, so idle connections cannot shut a scraper
// out: it sends its head at once and is answered.
class metrics_endpoint {
  public:
    metrics_endpoint(asio::any_io_executor ex, const tcp::endpoint& listen,
                     std::function<std::string()> render);
    [[nodiscard]] tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
    void start();
    // Stops accepting; a request being answered is finished or cut by its timeout.
    void stop();

  private:
    // Owned here, not by its coroutine, so that a newer connection can close it.
    struct client {
        tcp::socket socket;
        asio::ip::address from;  // limit_key() of its address
        bool reading = true;     // its head not complete yet: it may be closed for another
        bool evicted = false;    // closed for another: no longer counted
    };
    using client_list = std::list<client>;

    void admit(tcp::socket socket);
    bool make_room(const asio::ip::address& from);
    awaitable<void> serve(client_list::iterator c);
    awaitable<void> read_head(tcp::socket& socket, std::string& head);
    void uncount(client& c);

    asio::any_io_executor executor_;
    tcp::acceptor acceptor_;
    std::function<std::string()> render_;
    client_list clients_;  // oldest first
    std::size_t counted_ = 0;
    std::unordered_map<asio::ip::address, std::size_t> per_address_;
    bool stopped_ = false;
};

}  // namespace ferry::relay
