#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/wire/bytes.hpp"
#include "common/wire/raw_buffer.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry {

// Reassembles one length-prefixed frame from reads of any size without ever reading past it.
// The caller reads into wanted() (exactly the bytes still missing for the current part, so a
// socket read can never swallow the next frame) and reports how many arrived with commit().
//
// Format supplies: header_size, and payload_size(header, max_payload) which validates the header
// and returns the payload length or throws wire_error.
template <class Format>
class frame_reader {
  public:
    explicit frame_reader(std::size_t max_payload)
        : max_payload_(max_payload), buffer_(Format::header_size + max_payload) {}

    // The region to read into next; never empty while a frame is incomplete.
    mutable_byte_span wanted() {
        const std::size_t target =
            in_payload_ ? Format::header_size + payload_size_ : Format::header_size;
        return {buffer_.data() + filled_, target - filled_};
    }

    // Returns true once the whole frame (header and payload) is there.
    bool commit(std::size_t n) {
        if (n > wanted().size()) throw wire_error("frame reader: commit beyond the wanted region");
        filled_ += n;
        if (!in_payload_ && filled_ == Format::header_size) {
            payload_size_ = Format::payload_size(header(), max_payload_);
            in_payload_ = true;
        }
        return complete();
    }

    [[nodiscard]] bool complete() const {
        return in_payload_ && filled_ == Format::header_size + payload_size_;
    }
    [[nodiscard]] bool started() const { return filled_ > 0; }
    [[nodiscard]] bool header_done() const { return in_payload_; }
    // Valid once header_done().
    [[nodiscard]] std::size_t payload_size() const { return payload_size_; }
    [[nodiscard]] byte_span header() const { return {buffer_.data(), Format::header_size}; }
    [[nodiscard]] byte_span payload() const {
        return {buffer_.data() + Format::header_size, payload_size_};
    }
    // The payload in place, for layers that transform it (decryption).
    mutable_byte_span mutable_payload() {
        return {buffer_.data() + Format::header_size, payload_size_};
    }

    void reset() {
        filled_ = 0;
        payload_size_ = 0;
        in_payload_ = false;
    }

  private:
    std::size_t max_payload_;
    raw_buffer buffer_;
    std::size_t filled_ = 0;
    std::size_t payload_size_ = 0;
    bool in_payload_ = false;
};

}  // namespace ferry
