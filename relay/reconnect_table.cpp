#include "relay/reconnect_table.hpp"

namespace ferry::relay {

std::string reconnect_table::key(const id& session, relay_proto::role side) {
    std::string k(session.begin(), session.end());
    k.push_back(static_cast<char>(side));
    return k;
}

waiting_sender* reconnect_table::take_partner(const id& session, relay_proto::role side) {
    const auto other =
        side == relay_proto::role::sender ? relay_proto::role::receiver : relay_proto::role::sender;
    auto it = entries_.find(key(session, other));
    if (it == entries_.end()) return nullptr;
    auto* partner = it->second.client;
    forget(it);
    return partner;
}

waiting_sender* reconnect_table::wait(const id& session, relay_proto::role side, waiting_sender& w,
                                      const asio::ip::address& from) {
    waiting_sender* stale = nullptr;
    const auto k = key(session, side);
    if (auto it = entries_.find(k); it != entries_.end()) {
        stale = it->second.client;
        forget(it);
    }
    entries_.emplace(k, entry{&w, from});
    ++per_address_[from];
    return stale;
}

void reconnect_table::leave(const id& session, relay_proto::role side, const waiting_sender& w) {
    auto it = entries_.find(key(session, side));
    if (it != entries_.end() && it->second.client == &w) forget(it);
}

std::size_t reconnect_table::waiting_from(const asio::ip::address& from) const {
    auto it = per_address_.find(from);
    return it == per_address_.end() ? 0 : it->second;
}

void reconnect_table::forget(std::unordered_map<std::string, entry>::iterator it) {
    auto count = per_address_.find(it->second.from);
    if (--count->second == 0) per_address_.erase(count);
    entries_.erase(it);
}

bool reconnect_table::contains(const id& session) const {
    return entries_.contains(key(session, relay_proto::role::sender)) ||
           entries_.contains(key(session, relay_proto::role::receiver));
}

void reconnect_table::pair_running(const id& session, const void* owner,
                                   std::function<void(relay_proto::role)> drop) {
    running_[std::string(session.begin(), session.end())] = running_pair{owner, std::move(drop)};
}

void reconnect_table::pair_ended(const id& session, const void* owner) {
    const auto it = running_.find(std::string(session.begin(), session.end()));
    if (it != running_.end() && it->second.owner == owner) running_.erase(it);
}

bool reconnect_table::end_running(const id& session, relay_proto::role side) {
    const auto it = running_.find(std::string(session.begin(), session.end()));
    if (it == running_.end()) return false;
    const auto drop = std::move(it->second.drop);
    running_.erase(it);
    drop(side);
    return true;
}

}  // namespace ferry::relay
