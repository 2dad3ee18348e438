#include "relay/cluster.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/net/address.hpp"
#include "relay/claim_limiter.hpp"

namespace ferry::relay {

using asio::experimental::as_tuple;

namespace {

// Milliseconds of Redis' own clock: the leases do not depend on the relays' clocks (the links
// do: docs/protocol.md).
#define FERRY_REDIS_NOW              \
    "local t = redis.call('TIME')\n" \
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

// KEYS[1]: ferry:wait:IP; KEYS[2..]: candidate keys. ARGV: owner, lease ms, max waiting (0:
// none). The index of the candidate taken, 0 if all are held, -1 over the waiting limit.
constexpr const char* hold_script = FERRY_REDIS_NOW R"(
local lease = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local max = tonumber(ARGV[3])
if max > 0 and redis.call('ZCARD', KEYS[1]) >= max then return -1 end
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], ARGV[1], 'NX', 'PX', lease) then
    redis.call('ZADD', KEYS[1], now + lease, KEYS[i])
    redis.call('PEXPIRE', KEYS[1], lease)
    return i - 1
  end
end
return 0
)";

// KEYS: key, its wait key or '' (pairs). ARGV: owner, lease ms. Extends every lease still this
// owner's (taking again one that expired meanwhile, as after a Redis restart); returns the keys
// another relay holds now.
constexpr const char* renew_script = FERRY_REDIS_NOW R"(
local lease = tonumber(ARGV[2])
local lost = {}
for i = 1, #KEYS, 2 do
  local v = redis.call('GET', KEYS[i])
  if v and v ~= ARGV[1] then
    lost[#lost + 1] = KEYS[i]
  else
    redis.call('SET', KEYS[i], ARGV[1], 'PX', lease)
    if KEYS[i + 1] ~= '' then
      redis.call('ZADD', KEYS[i + 1], now + lease, KEYS[i])
      redis.call('PEXPIRE', KEYS[i + 1], lease)
    end
  end
end
return lost
)";

// KEYS[1]: ferry:relays. ARGV: this relay's advertised address, presence ms. Lists this relay
// until then and returns every relay listed.
constexpr const char* presence_script = FERRY_REDIS_NOW R"(
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGE', KEYS[1], 0, -1)
)";

// KEYS[1]: key, KEYS[2]: its wait key or ''. ARGV[1]: owner.
constexpr const char* release_script = R"(
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
if KEYS[2] ~= '' then redis.call('ZREM', KEYS[2], KEYS[1]) end
return 1
)";

// KEYS[1]: ferry:fc:IP. ARGV: tokens a minute, 'take' or 'give'. The single relay's
// claim_limiter as one token bucket for the cluster: 'take' takes a token if there is one (a
// claim must have one to be tried), 'give' hands one back (the claim did not fail). Returns the
// tokens there were before, as text (Lua numbers would become integers).
constexpr const char* claims_script = R"(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local cap = tonumber(ARGV[1])
local b = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = cap
if b[1] then tokens = math.min(cap, tonumber(b[1]) + (now - tonumber(b[2])) * cap / 60000) end
local had = tokens
if ARGV[2] == 'take' then
  if tokens < 1 then return tostring(had) end
  tokens = tokens - 1
else
  tokens = math.min(cap, tokens + 1)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 60000)
return tostring(had)
)";

#undef FERRY_REDIS_NOW

std::string wait_key(const asio::ip::address& from) {
    return "ferry:wait:" + limit_key(from).to_string();
}

const std::string lease_ms = std::to_string(cluster::lease_time.count());
const std::string presence_ms = std::to_string(cluster::presence_time.count());

redis_command claims_command(const asio::ip::address& from, std::size_t per_minute,
                             const char* mode) {
    return {"EVAL",
            claims_script,
            "1",
            "ferry:fc:" + limit_key(from).to_string(),
            std::to_string(per_minute),
            mode};
}

}  // namespace

cluster::cluster(asio::any_io_executor ex, const cluster_options& o)
    : redis_(ex, o.redis_host, o.redis_port), timer_(ex), secret_(o.secret) {}

std::string cluster::nameplate_key(std::uint32_t nameplate) {
    return fmt::format("ferry:np:{}", nameplate);
}

std::string cluster::reconnect_key(std::span<const std::uint8_t> id) {
    std::string key = "ferry:rc:";
    for (const auto b : id)
        key += fmt::format("{:02x}", b);
    return key;
}

void cluster::start(std::function<void(const std::string&)> lost) {
    lost_ = std::move(lost);
    running_ = true;
    asio::co_spawn(timer_.get_executor(), renew_loop(), asio::detached);
}

void cluster::stop() {
    stopping_ = true;
    timer_.cancel();
}

awaitable<void> cluster::renew_loop() {
    while (!stopping_) {
        co_await renew_once();
        if (stopping_) break;
        timer_.expires_after(renew_interval);
        co_await timer_.async_wait(as_tuple(use_awaitable));
    }
    running_ = false;
}

// Also the heartbeat that finds Redis back after it was gone, and this relay's presence in
// ferry:relays (with the list of the others).
awaitable<void> cluster::renew_once() {
    std::vector<redis_command> batch{
        {"EVAL", presence_script, "1", "ferry:relays", self_, presence_ms}};
    if (!held_.empty()) {
        redis_command command{"EVAL", renew_script, std::to_string(held_.size() * 2)};
        for (const auto& [key, waiting] : held_) {
            command.push_back(key);
            command.push_back(waiting);
        }
        command.push_back(self_);
        command.push_back(lease_ms);
        batch.push_back(std::move(command));
    }
    std::vector<redis_reply> replies;
    try {
        replies = co_await redis_.run(std::move(batch));
    } catch (const redis_unavailable&) {
        co_return;  // logged by the client; the leases are taken again once Redis is back
    }
    learn_relays(replies.at(0));
    if (replies.size() < 2) co_return;
    const auto& answer = replies.at(1);
    if (answer.type == redis_reply::kind::error) {
        // Out of memory, read-only after a failover...: the leases run out unless this passes.
        spdlog::warn("cluster: Redis refused to renew the leases: {}", answer.text);
        co_return;
    }
    for (const auto& lost : answer.elements) {
        if (held_.erase(lost.text) == 0) continue;  // released meanwhile
        spdlog::warn("cluster: {} is held by another relay now", lost.text);
        if (lost_) lost_(lost.text);
    }
}

void cluster::learn_relays(const redis_reply& listed) {
    if (listed.type == redis_reply::kind::error) {
        spdlog::warn("cluster: Redis refused to list the relays: {}", listed.text);
        return;
    }
    std::vector<asio::ip::address> relays;
    for (const auto& e : listed.elements) {
        try {
            relays.push_back(asio::ip::make_address(parse_host_port(e.text).host));
        } catch (const std::exception&) {
            spdlog::debug("cluster: '{}' in ferry:relays is no address", e.text);
        }
    }
    relays_ = std::move(relays);
}

bool cluster::known_relay(const asio::ip::address& ip) const {
    return std::find(relays_.begin(), relays_.end(), ip) != relays_.end();
}

awaitable<cluster::hold_result> cluster::hold(const asio::ip::address& from,
                                              const std::vector<std::string>& candidates,
                                              std::size_t max_waiting) {
    const auto waiting = wait_key(from);
    redis_command command{"EVAL", hold_script, std::to_string(candidates.size() + 1), waiting};
    command.insert(command.end(), candidates.begin(), candidates.end());
    command.push_back(self_);
    command.push_back(lease_ms);
    command.push_back(std::to_string(max_waiting));
    std::vector<redis_command> batch{std::move(command)};
    const auto replies = co_await redis_.run(std::move(batch));
    const auto& r = replies.at(0);
    if (r.type != redis_reply::kind::integer) throw redis_unavailable("Redis: " + r.text);
    if (r.integer < 0) co_return hold_result{hold_status::too_many_waiting};
    if (r.integer == 0) co_return hold_result{hold_status::taken};
    const auto index = static_cast<std::size_t>(r.integer - 1);
    held_[candidates.at(index)] = waiting;
    co_return hold_result{hold_status::held, index};
}

void cluster::paired(const std::string& key) {
    const auto it = held_.find(key);
    if (it == held_.end() || it->second.empty()) return;
    redis_.send({{"ZREM", it->second, key}});
    it->second.clear();
}

void cluster::release(const std::string& key) {
    const auto it = held_.find(key);
    if (it == held_.end()) return;
    redis_.send({{"EVAL", release_script, "2", key, it->second, self_}});
    held_.erase(it);
}

awaitable<std::string> cluster::owner(const std::string& key) {
    std::vector<redis_command> batch{redis_command{std::string("GET"), key}};
    const auto replies = co_await redis_.run(std::move(batch));
    co_return replies.at(0).type == redis_reply::kind::text ? replies[0].text : std::string();
}

void cluster::give_back_claim(const asio::ip::address& from, std::size_t per_minute) {
    redis_.send({claims_command(from, per_minute, "give")});
}

awaitable<double> cluster::take_claim(const asio::ip::address& from, std::size_t per_minute) {
    std::vector<redis_command> batch{claims_command(from, per_minute, "take")};
    const auto replies = co_await redis_.run(std::move(batch));
    const auto& text = replies.at(0).text;
    double tokens = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), tokens);
    if (ec != std::errc()) throw redis_unavailable("Redis: " + text);
    co_return tokens;
}

}  // namespace ferry::relay
