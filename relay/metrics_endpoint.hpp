#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "common/net/asio.hpp"

namespace ferry::relay {

// What an HTTP request head (up to its blank line) asks of the metrics endpoint.
enum class http_verdict { metrics, metrics_head, not_found, bad_method, bad_request };
http_verdict judge_request(std::string_view head);
// The whole HTTP/1.1 response for a verdict; `body` is the exposition text for metrics(_head).
std::string http_response(http_verdict v, std::string_view body);

// `GET /metrics` over plain HTTP on its own port, for Prometheus. Runs on the relay's executor,
// so that `render` reads the relay's state without locks; one request per connection, each
// bounded in size (8 KiB) and time (5 s), at most 8 at once (more are closed at once).
class metrics_endpoint {
  public:
    metrics_endpoint(asio::any_io_executor ex, const tcp::endpoint& listen,
                     std::function<std::string()> render);
    [[nodiscard]] tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
    void start();
    // Stops accepting; a request being answered is finished or cut by its timeout.
    void stop();

  private:
    awaitable<void> accept_loop();
    awaitable<void> serve(tcp::socket socket);
    awaitable<void> read_head(tcp::socket& socket, std::string& head);

    asio::any_io_executor executor_;
    tcp::acceptor acceptor_;
    std::function<std::string()> render_;
    std::size_t serving_ = 0;
    bool stopped_ = false;
};

}  // namespace ferry::relay
