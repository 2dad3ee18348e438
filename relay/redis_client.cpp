#include "relay/redis_client.hpp"

#include <sys/time.h>

#include <charconv>

#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

namespace ferry::relay {

namespace {

constexpr timeval redis_timeout{1, 0};
constexpr auto retry_interval = std::chrono::milliseconds(500);
constexpr auto max_queued = std::chrono::seconds(1);

redis_reply copy_reply(const redisReply& r) {
    redis_reply out;
    switch (r.type) {
        case REDIS_REPLY_INTEGER:
            out.type = redis_reply::kind::integer;
            out.integer = r.integer;
            break;
        case REDIS_REPLY_STRING:
        case REDIS_REPLY_STATUS:
        case REDIS_REPLY_ERROR:
            out.type = r.type == REDIS_REPLY_STRING   ? redis_reply::kind::text
                       : r.type == REDIS_REPLY_STATUS ? redis_reply::kind::status
                                                      : redis_reply::kind::error;
            out.text.assign(r.str, r.len);
            break;
        case REDIS_REPLY_ARRAY:
            out.type = redis_reply::kind::array;
            out.elements.reserve(r.elements);
            for (std::size_t i = 0; i < r.elements; ++i)
                out.elements.push_back(copy_reply(*r.element[i]));
            break;
        default:
            break;  // nil
    }
    return out;
}

}  // namespace

redis_client::redis_client(asio::any_io_executor ex, std::string host, std::uint16_t port)
    : executor_(std::move(ex)), host_(std::move(host)), port_(port), thread_([this] { work(); }) {}

redis_client::~redis_client() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

awaitable<std::vector<redis_reply>> redis_client::run(std::vector<redis_command> commands) {
    // The completion is posted to the io executor with work tracked, so that the io_context
    // does not run out of work while the reply is on its way.
    auto initiate = [this](auto handler, std::vector<redis_command> batch) {
        auto work = asio::prefer(executor_, asio::execution::outstanding_work.tracked);
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        enqueue(job{std::move(batch),
                    [work, shared](std::exception_ptr e, std::vector<redis_reply> replies) {
                        asio::post(work, [shared, e, r = std::move(replies)]() mutable {
                            (*shared)(e, std::move(r));
                        });
                    }});
    };
    auto replies =
        co_await asio::async_initiate<decltype(use_awaitable),
                                      void(std::exception_ptr, std::vector<redis_reply>)>(
            initiate, use_awaitable, std::move(commands));
    co_return replies;
}

void redis_client::send(std::vector<redis_command> commands) {
    auto work = asio::prefer(executor_, asio::execution::outstanding_work.tracked);
    enqueue(job{std::move(commands), [work](std::exception_ptr, std::vector<redis_reply>) {}});
}

void redis_client::enqueue(job j) {
    {
        const std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(j));
    }
    wake_.notify_one();
}

void redis_client::work() {
    for (;;) {
        job j;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) break;  // stopping, and every job queued before has run
            j = std::move(jobs_.front());
            jobs_.pop_front();
        }
        std::exception_ptr error;
        std::vector<redis_reply> replies;
        try {
            if (std::chrono::steady_clock::now() - j.queued > max_queued)
                throw redis_unavailable(fmt::format("Redis at {}:{} is too slow", host_, port_));
            replies = execute(j.commands);
        } catch (const std::exception&) {
            error = std::current_exception();
        }
        j.done(error, std::move(replies));
    }
    if (context_ != nullptr) redisFree(context_);
}

std::vector<redis_reply> redis_client::execute(const std::vector<redis_command>& commands) {
    if (context_ == nullptr && !connect()) {
        throw redis_unavailable(fmt::format("Redis at {}:{} is unreachable", host_, port_));
    }
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& command : commands) {
        argv.clear();
        lengths.clear();
        for (const auto& arg : command) {
            argv.push_back(arg.data());
            lengths.push_back(arg.size());
        }
        if (redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(),
                                   lengths.data()) != REDIS_OK) {
            drop("cannot queue a command");
        }
    }
    std::vector<redis_reply> replies;
    replies.reserve(commands.size());
    for (std::size_t i = 0; i < commands.size(); ++i) {
        void* raw = nullptr;
        if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) drop("no reply");
        replies.push_back(copy_reply(*static_cast<redisReply*>(raw)));
        freeReplyObject(raw);
    }
    if (!up_.exchange(true)) spdlog::info("cluster: connected to Redis at {}:{}", host_, port_);
    return replies;
}

bool redis_client::connect() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_try_) return false;
    next_try_ = now + retry_interval;
    context_ = redisConnectWithTimeout(host_.c_str(), port_, redis_timeout);
    if (context_ == nullptr || context_->err != 0 ||
        redisSetTimeout(context_, redis_timeout) != REDIS_OK) {
        const std::string why = context_ != nullptr ? context_->errstr : "out of memory";
        if (context_ != nullptr) redisFree(context_);
        context_ = nullptr;
        ++errors_;
        if (up_.exchange(false))
            spdlog::warn("cluster: Redis at {}:{} lost: {}", host_, port_, why);
        return false;
    }
    return true;
}

// The connection is in an unknown state after an error: it is closed, and the next job connects
// again (not sooner than retry_interval after the last try).
void redis_client::drop(const char* why) {
    const std::string cause = context_->err != 0 ? context_->errstr : why;
    redisFree(context_);
    context_ = nullptr;
    next_try_ = std::chrono::steady_clock::now() + retry_interval;
    ++errors_;
    if (up_.exchange(false)) spdlog::warn("cluster: Redis at {}:{} lost: {}", host_, port_, cause);
    throw redis_unavailable(fmt::format("Redis at {}:{}: {}", host_, port_, cause));
}

std::pair<std::string, std::uint16_t> parse_redis_url(std::string_view url) {
    if (url.starts_with("redis://")) url.remove_prefix(8);
    if (url.ends_with('/')) url.remove_suffix(1);
    std::string_view host = url;
    std::uint16_t port = 6379;
    if (const auto colon = url.rfind(':'); colon != std::string_view::npos) {
        host = url.substr(0, colon);
        const auto digits = url.substr(colon + 1);
        const auto [end, ec] = std::from_chars(digits.begin(), digits.end(), port);
        if (ec != std::errc() || end != digits.end() || port == 0)
            throw std::invalid_argument("a Redis port is a number from 1 to 65535");
    }
    if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
    if (host.empty()) throw std::invalid_argument("a Redis address needs a host");
    return {std::string(host), port};
}

}  // namespace ferry::relay
