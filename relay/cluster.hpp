#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/net/asio.hpp"
#include "relay/redis_client.hpp"

namespace ferry::relay {

struct cluster_options {
    std::string redis_host;
    std::uint16_t redis_port = 6379;
    std::vector<std::uint8_t> secret;  // --cluster-secret-file: authenticates the links
};

// What the relays of a cluster share through Redis (docs/relay-operations.md, "A cluster"):
//   ferry:np:N      the advertised address of the relay holding nameplate N (a lease)
//   ferry:rc:ID     the same for the first side of a RECONNECT (ID in hex)
//   ferry:wait:IP   the keys of the senders waiting from IP (a sorted set scored by expiry)
//   ferry:fc:IP     that address's failed-claims token bucket
//   ferry:relays    the advertised addresses of the relays (a sorted set scored by expiry)
// Leases last `lease_time` and are renewed every `renew_interval` while held. On the relay's io
// thread; every call that waits throws redis_unavailable when Redis cannot be reached.
class cluster {
  public:
    static constexpr std::chrono::milliseconds lease_time{6000};
    static constexpr std::chrono::milliseconds renew_interval{2000};
    // A relay is listed in ferry:relays until this long after it last renewed.
    static constexpr std::chrono::milliseconds presence_time{30'000};

    cluster(asio::any_io_executor ex, const cluster_options& o);

    // This relay's identity in the cluster: the address its link listens on.
    void set_self(std::string advertised) { self_ = std::move(advertised); }
    [[nodiscard]] const std::string& self() const { return self_; }
    [[nodiscard]] const std::vector<std::uint8_t>& secret() const { return secret_; }

    // Renews the leases until stop(); a lease found held by another relay is reported to `lost`.
    void start(std::function<void(const std::string& key)> lost);
    // Ends the renewing once every lease is released.
    void stop();

    enum class hold_status { held, taken, too_many_waiting };
    struct hold_result {
        hold_status status = hold_status::taken;
        std::size_t index = 0;  // held: which candidate
    };
    // Takes the first free key of `candidates` for a sender waiting from `from` (counted against
    // max_waiting across the cluster; 0: not counted).
    awaitable<hold_result> hold(const asio::ip::address& from,
                                const std::vector<std::string>& candidates,
                                std::size_t max_waiting);
    // The key's sender is paired: it no longer counts as waiting from its address.
    void paired(const std::string& key);
    [[nodiscard]] bool holds(const std::string& key) const { return held_.contains(key); }
    // Gives the key up at once (deleted if this relay still holds it).
    void release(const std::string& key);
    // The advertised address of the relay holding `key`, or "" if none.
    awaitable<std::string> owner(const std::string& key);

    // The failed-claims token bucket of `from` (refilled at per_minute a minute): takes a token
    // if it has one, and returns the tokens it had (below 1: refused, nothing taken). Taken
    // with the check, so that claims made at once on many relays cannot all pass on one token.
    awaitable<double> take_claim(const asio::ip::address& from, std::size_t per_minute);
    // A claim that did not fail gives its token back (without waiting for the answer).
    void give_back_claim(const asio::ip::address& from, std::size_t per_minute);

    [[nodiscard]] bool up() const { return redis_.up(); }
    [[nodiscard]] std::uint64_t errors() const { return redis_.errors(); }
    [[nodiscard]] std::size_t leases() const { return held_.size(); }
    // Whether `ip` is the address of a relay of the cluster (this one too), as listed in Redis
    // when the leases were last renewed; the last list is kept while Redis is gone.
    [[nodiscard]] bool known_relay(const asio::ip::address& ip) const;
    [[nodiscard]] std::size_t relays_known() const { return relays_.size(); }

    static std::string nameplate_key(std::uint32_t nameplate);
    static std::string reconnect_key(std::span<const std::uint8_t> id);

  private:
    awaitable<void> renew_loop();
    awaitable<void> renew_once();
    void learn_relays(const redis_reply& listed);

    redis_client redis_;
    asio::steady_timer timer_;
    std::string self_;
    std::vector<std::uint8_t> secret_;
    std::unordered_map<std::string, std::string> held_;  // key -> its ferry:wait key, or ""
    std::vector<asio::ip::address> relays_;              // from ferry:relays
    std::function<void(const std::string&)> lost_;
    bool stopping_ = false;
    bool running_ = false;
};

}  // namespace ferry::relay
