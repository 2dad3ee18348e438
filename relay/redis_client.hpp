#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/net/asio.hpp"

struct redisContext;

namespace ferry::relay {

// One reply of Redis, owned (hiredis' reply tree copied out on the client's thread).
struct redis_reply {
    enum class kind : std::uint8_t { nil, integer, text, array, status, error };
    kind type = kind::nil;
    long long integer = 0;
    std::string text;  // text, status, error
    std::vector<redis_reply> elements;
    [[nodiscard]] bool is_nil() const { return type == kind::nil; }
};

using redis_command = std::vector<std::string>;

// Redis could not be reached or did not answer in time: the relay refuses new sessions.
class redis_unavailable : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A Redis connection on a thread of its own, so that the relay's io thread never blocks on it:
// jobs (a batch of pipelined commands) queue to that thread, which runs them on hiredis'
// blocking context with 1 s timeouts and posts the replies back to the io executor. After an
// error it is down: it fails jobs at once and tries again at most every 500 ms (a Redis that
// accepts but does not answer costs one job a second, not every job); a job that waited in the
// queue for more than a second fails without running. It is up again once a reply came.
class redis_client {
  public:
    redis_client(asio::any_io_executor ex, std::string host, std::uint16_t port);
    ~redis_client();
    redis_client(const redis_client&) = delete;
    redis_client& operator=(const redis_client&) = delete;

    // The replies, one per command; throws redis_unavailable. An error reply is a reply.
    awaitable<std::vector<redis_reply>> run(std::vector<redis_command> commands);
    // The same without waiting for the replies (a release that must not hold anyone up).
    void send(std::vector<redis_command> commands);

    [[nodiscard]] bool up() const { return up_.load(); }
    [[nodiscard]] std::uint64_t errors() const { return errors_.load(); }

  private:
    using done_fn = std::function<void(std::exception_ptr, std::vector<redis_reply>)>;
    struct job {
        std::vector<redis_command> commands;
        done_fn done;
        std::chrono::steady_clock::time_point queued = std::chrono::steady_clock::now();
    };
    void enqueue(job j);
    void work();
    std::vector<redis_reply> execute(const std::vector<redis_command>& commands);
    bool connect();
    void drop(const char* why);

    asio::any_io_executor executor_;
    std::string host_;
    std::uint16_t port_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<job> jobs_;
    bool stopping_ = false;
    // Only the worker thread touches the context and the reconnect clock.
    redisContext* context_ = nullptr;
    std::chrono::steady_clock::time_point next_try_{};
    std::atomic<bool> up_{false};
    std::atomic<std::uint64_t> errors_{0};
    std::thread thread_;
};

// "redis://HOST:PORT" (or HOST:PORT; the port defaults to 6379); throws std::invalid_argument.
std::pair<std::string, std::uint16_t> parse_redis_url(std::string_view url);

}  // namespace ferry::relay
