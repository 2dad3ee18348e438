#include "common/session/replay_log.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "common/wire/wire_error.hpp"

namespace ferry {

replay_log::replay_log(std::size_t capacity, std::size_t max_record)
    : buffer_(std::max(capacity, 2 * max_record)), max_record_(max_record) {}

// Where the next record goes, if it fits: after the newest, or back at the start when the rest
// of the buffer is too short for a whole record (the gap at the end is left unused). Records are
// either in one run [oldest, end) or wrapped: [oldest, size) then [0, end).
std::optional<std::size_t> replay_log::room_at() const {
    if (held_.empty()) return buffer_.size() - head_ >= max_record_ ? head_ : 0;
    const auto oldest = held_.front().at;
    const auto end = held_.back().at + held_.back().size;
    if (held_.back().at >= oldest) {  // one run
        if (buffer_.size() - end >= max_record_) return end;
        if (oldest >= max_record_) return 0;
        return std::nullopt;
    }
    if (oldest - end >= max_record_) return end;
    return std::nullopt;
}

bool replay_log::has_room() const {
    return room_at().has_value();
}

mutable_byte_span replay_log::room() {
    const auto at = room_at();
    if (!at) throw std::logic_error("replay_log: no room");
    return {buffer_.data() + *at, max_record_};
}

void replay_log::commit(std::size_t n) {
    if (n == 0 || n > max_record_) throw std::length_error("replay_log: record size");
    const auto at = room_at();
    if (!at) throw std::logic_error("replay_log: no room");
    held_.push_back({*at, n});
    head_ = *at + n;
    bytes_ += n;
}

void replay_log::append(byte_span record) {
    auto into = room();
    std::copy(record.begin(), record.end(), into.begin());
    commit(record.size());
}

void replay_log::check_count(std::uint64_t count) const {
    if (count < acknowledged_ || count > sent()) {
        throw wire_error(fmt::format("the peer counts {} records received, but {} to {} were sent",
                                     count, acknowledged_, sent()));
    }
}

byte_span replay_log::record(std::uint64_t number) const {
    if (number < acknowledged_ || number >= sent()) {
        throw std::out_of_range("replay_log: no such record");
    }
    const auto& h = held_[static_cast<std::size_t>(number - acknowledged_)];
    return {buffer_.data() + h.at, h.size};
}

void replay_log::acknowledge(std::uint64_t count) {
    check_count(count);
    while (acknowledged_ < count) {
        bytes_ -= held_.front().size;
        held_.pop_front();
        ++acknowledged_;
    }
}

}  // namespace ferry
