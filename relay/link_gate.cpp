#include "relay/link_gate.hpp"

#include "relay/claim_limiter.hpp"

namespace ferry::relay {

std::string_view link_gate::admit(const asio::ip::address& from, bool known) {
    // A relay is known by its exact address; a stranger by its limit_key (an IPv6 /64).
    const auto key = known ? from : limit_key(from);
    auto& mine = per_address_[key];
    if (known ? mine >= max_per_relay : mine >= max_per_stranger) {
        if (mine == 0) per_address_.erase(key);
        return known ? "too many links without a LINK yet from that relay"
                     : "too many connections without a LINK yet from that address";
    }
    if (!known && strangers_ >= max_strangers) {
        if (mine == 0) per_address_.erase(key);
        return "too many connections without a LINK yet from unknown addresses";
    }
    ++mine;
    ++(known ? relays_ : strangers_);
    return {};
}

void link_gate::leave(const asio::ip::address& from, bool known) {
    const auto key = known ? from : limit_key(from);
    const auto it = per_address_.find(key);
    if (it == per_address_.end()) return;
    if (--it->second == 0) per_address_.erase(it);
    --(known ? relays_ : strangers_);
}

}  // namespace ferry::relay
