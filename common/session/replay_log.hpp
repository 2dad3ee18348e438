#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "common/wire/bytes.hpp"
#include "common/wire/raw_buffer.hpp"

namespace ferry {

// The plaintext of the records one side has sent and its peer has not yet acknowledged, kept so
// that a reconnected session can send them again (docs/protocol.md §2.3). Records are numbered
// from 0 in the order sent; an acknowledgement says how many the peer has received in all. One
// buffer allocated up front, used as a ring; a record is stored whole and contiguous.
class replay_log {
  public:
    // `capacity`: bytes of records held at most (the window), at least 2 * max_record.
    replay_log(std::size_t capacity, std::size_t max_record);

    // Contiguous room for the next record (max_record bytes); only when has_room().
    [[nodiscard]] mutable_byte_span room();
    // The first n bytes of room() are the next record.
    void commit(std::size_t n);
    // Copies `record` in as the next record.
    void append(byte_span record);
    // Whether room() can be given: false when the unacknowledged records fill the window.
    [[nodiscard]] bool has_room() const;

    // The peer has received `count` records in all: those are dropped. Throws wire_error for a
    // count below an earlier one or above what was sent.
    void acknowledge(std::uint64_t count);

    // Record number `number` (acknowledged() <= number < sent()), for sending again.
    [[nodiscard]] byte_span record(std::uint64_t number) const;

    [[nodiscard]] std::uint64_t sent() const { return acknowledged_ + held_.size(); }
    [[nodiscard]] std::uint64_t acknowledged() const { return acknowledged_; }
    [[nodiscard]] std::size_t bytes_held() const { return bytes_; }

  private:
    struct held {
        std::size_t at;
        std::size_t size;
    };
    void check_count(std::uint64_t count) const;
    [[nodiscard]] std::optional<std::size_t> room_at() const;

    raw_buffer buffer_;
    std::size_t max_record_;
    std::deque<held> held_;
    std::uint64_t acknowledged_ = 0;
    std::size_t bytes_ = 0;  // of held records
    std::size_t head_ = 0;   // where the newest record ends
};

}  // namespace ferry
