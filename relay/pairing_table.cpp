#include "relay/pairing_table.hpp"

#include <algorithm>

namespace ferry::relay {

pairing_table::pairing_table(std::uint32_t first_range_max, clock::duration hold_for)
    : first_range_max_(first_range_max), hold_for_(hold_for) {}

std::uint32_t pairing_table::allocate(waiting_sender& sender, const asio::ip::address& from) {
    return add(entry{&sender, nullptr, from, {}, nullptr});
}

std::uint32_t pairing_table::allocate(share& host, const asio::ip::address& from) {
    return add(entry{nullptr, &host, from, {}, nullptr});
}

std::uint32_t pairing_table::add(const entry& e) {
    drop_expired_holds(clock::now());
    const auto nameplate = pick_free();
    entries_.emplace(nameplate, e);
    ++waiting_per_address_[e.from];
    return nameplate;
}

std::vector<std::uint32_t> pairing_table::candidates(std::size_t range, std::size_t n) {
    drop_expired_holds(clock::now());
    std::uint64_t low = 1;
    std::uint64_t high = first_range_max_;
    for (std::size_t i = 0; i < range && high < 0xffffffffULL / 10; ++i) {
        low = high + 1;
        high = high * 10 + 9;
    }
    std::uniform_int_distribution<std::uint64_t> pick(low, high);
    std::vector<std::uint32_t> out;
    for (std::size_t tries = 0; out.size() < n && tries < n * 8; ++tries) {
        const auto nameplate = static_cast<std::uint32_t>(pick(random_));
        if (!entries_.contains(nameplate) &&
            std::find(out.begin(), out.end(), nameplate) == out.end()) {
            out.push_back(nameplate);
        }
    }
    return out;
}

void pairing_table::insert(std::uint32_t nameplate, waiting_sender& sender,
                           const asio::ip::address& from) {
    entries_.emplace(nameplate, entry{&sender, nullptr, from, {}, nullptr});
    ++waiting_per_address_[from];
}

void pairing_table::insert(std::uint32_t nameplate, share& host, const asio::ip::address& from) {
    entries_.emplace(nameplate, entry{nullptr, &host, from, {}, nullptr});
    ++waiting_per_address_[from];
}

std::uint32_t pairing_table::pick_free() {
    // Ranges 1-999, 1000-9999, ...: the first one with room. Random within it, so nameplates
    // say nothing about how busy the relay is or what came before.
    std::uint32_t low = 1;
    std::uint32_t high = first_range_max_;
    while (true) {
        std::size_t used = 0;
        for (const auto& [nameplate, e] : entries_) {
            if (nameplate >= low && nameplate <= high) ++used;
        }
        if (used < high - low + 1) break;
        low = high + 1;
        high = high * 10 + 9;
    }
    std::uniform_int_distribution<std::uint32_t> pick(low, high);
    std::uint32_t nameplate = pick(random_);
    for (int tries = 0; entries_.contains(nameplate) && tries < 64; ++tries)
        nameplate = pick(random_);
    while (entries_.contains(nameplate))
        nameplate = nameplate == high ? low : nameplate + 1;
    return nameplate;
}

pairing_table::claim_result pairing_table::claim(std::uint32_t nameplate) {
    auto it = entries_.find(nameplate);
    if (it == entries_.end() || it->second.held_until) return {claim_status::unknown};
    if (it->second.host != nullptr) return {claim_status::share, nullptr, it->second.host};
    if (it->second.sender == nullptr) return {claim_status::taken};
    auto* sender = it->second.sender;
    stop_waiting(it->second);
    return {claim_status::ok, sender};
}

share* pairing_table::find_share(std::uint32_t nameplate) const {
    const auto it = entries_.find(nameplate);
    return it == entries_.end() ? nullptr : it->second.host;
}

void pairing_table::release(std::uint32_t nameplate, clock::time_point now) {
    auto it = entries_.find(nameplate);
    if (it == entries_.end() || it->second.held_until) return;
    auto& e = it->second;
    const bool was_paired = e.sender == nullptr && e.host == nullptr;
    stop_waiting(e);
    if (e.reopen_wake != nullptr) e.reopen_wake->cancel();
    if (!was_paired || hold_for_ <= clock::duration::zero()) {
        entries_.erase(it);
        return;
    }
    e.held_until = now + hold_for_;
    ++held_;
}

pairing_table::reopen_status pairing_table::reopen(std::uint32_t nameplate, waiting_sender& sender,
                                                   const asio::ip::address& from,
                                                   clock::time_point now) {
    drop_expired_holds(now);
    auto it = entries_.find(nameplate);
    if (it == entries_.end()) return reopen_status::unknown;
    auto& e = it->second;
    if (e.from != from || e.quarantined) return reopen_status::taken;
    if (!e.held_until) {
        const bool paired = e.sender == nullptr && e.host == nullptr;
        return paired ? reopen_status::ending : reopen_status::taken;
    }
    e.held_until.reset();
    --held_;
    e.sender = &sender;
    ++waiting_per_address_[from];
    return reopen_status::ok;
}

void pairing_table::quarantine(std::uint32_t nameplate, clock::time_point until) {
    auto it = entries_.find(nameplate);
    if (it == entries_.end() || it->second.held_until) return;
    stop_waiting(it->second);
    it->second.held_until = until;
    it->second.quarantined = true;
    ++held_;
}

void pairing_table::watch(std::uint32_t nameplate, asio::steady_timer& wake) {
    if (auto it = entries_.find(nameplate); it != entries_.end()) it->second.reopen_wake = &wake;
}

void pairing_table::unwatch(std::uint32_t nameplate) {
    if (auto it = entries_.find(nameplate); it != entries_.end()) it->second.reopen_wake = nullptr;
}

void pairing_table::drop_expired_holds(clock::time_point now) {
    std::erase_if(entries_, [&](const auto& item) {
        const auto& until = item.second.held_until;
        if (!until || *until > now) return false;
        --held_;
        return true;
    });
}

std::size_t pairing_table::waiting_from(const asio::ip::address& from) const {
    auto it = waiting_per_address_.find(from);
    return it == waiting_per_address_.end() ? 0 : it->second;
}

void pairing_table::stop_waiting(entry& e) {
    if (e.sender == nullptr && e.host == nullptr) return;
    e.sender = nullptr;
    e.host = nullptr;
    auto it = waiting_per_address_.find(e.from);
    if (--it->second == 0) waiting_per_address_.erase(it);
}

}  // namespace ferry::relay
