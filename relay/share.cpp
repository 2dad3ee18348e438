#include "relay/share.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace ferry::relay {

share_ticket random_ticket() {
    share_ticket t{};
    if (RAND_bytes(t.data(), static_cast<int>(t.size())) != 1) {
        throw std::runtime_error("OpenSSL failed: RAND_bytes");
    }
    return t;
}

std::string_view describe(share_end why) {
    switch (why) {
        case share_end::sender_left:
            return "sender-left";
        case share_end::idle:
            return "idle";
        case share_end::time_limit:
            return "time-limit";
        case share_end::relay_stopping:
            return "relay-stopping";
        case share_end::bad_frame:
            return "bad-frame";
    }
    return "unknown";
}

share_guest::share_guest(share& host, waiting_sender& waiting, const std::string& address)
    : host_(&host), waiting_(waiting), ticket_(random_ticket()), address_(address) {
    while (host.guests_.contains(ticket_))
        ticket_ = random_ticket();
    host.guests_.emplace(ticket_, this);
    host.arrivals_.push_back({ticket_, address});
    host.notify();
}

void share_guest::leave() {
    if (host_ == nullptr) return;
    host_->guests_.erase(ticket_);
    host_ = nullptr;
}

std::optional<share::arrival> share::next_arrival() {
    while (!arrivals_.empty()) {
        auto next = std::move(arrivals_.front());
        arrivals_.pop_front();
        if (guests_.contains(next.ticket)) return next;
    }
    return std::nullopt;
}

waiting_sender* share::take(const share_ticket& ticket) {
    const auto it = guests_.find(ticket);
    if (it == guests_.end()) return nullptr;
    auto* guest = it->second;
    guest->host_ = nullptr;
    guests_.erase(it);
    return &guest->waiting_;
}

void share::end() {
    for (auto& [ticket, guest] : guests_) {
        guest->host_ = nullptr;
        guest->ended_ = true;
        wake_now(guest->waiting_.wake);
    }
    guests_.clear();
    arrivals_.clear();
}

void share::announce_again() {
    arrivals_.clear();
    for (const auto& [ticket, guest] : guests_)
        arrivals_.push_back({ticket, guest->address_});
    notify();
}

void share::stop() {
    stopping_ = true;
    notify();
}

}  // namespace ferry::relay
