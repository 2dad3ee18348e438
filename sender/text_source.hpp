#pragma once

#include <algorithm>
#include <cstddef>
#include <string>

#include "sender/source.hpp"

namespace ferry::sender {

// A short text (ferry send --text), held in memory: the receiver prints it and writes no file.
class text_source final : public source {
  public:
    // At most msg::max_text_offer bytes (the caller checks).
    explicit text_source(std::string text) : text_(std::move(text)) {}

    [[nodiscard]] msg::offer offer() const override {
        return msg::offer{static_cast<std::uint8_t>(msg::offer_kind::text), text_.size(), {}};
    }
    [[nodiscard]] transfer::feature needs() const override { return transfer::feature::text; }
    [[nodiscard]] const std::string& name() const override { return label_; }
    [[nodiscard]] std::string describe() const override;
    [[nodiscard]] std::uint64_t size() const override { return text_.size(); }
    awaitable<std::size_t> read_async(mutable_byte_span into) override {
        const auto n = std::min(into.size(), text_.size() - offset_);
        std::copy_n(text_.begin() + static_cast<std::ptrdiff_t>(offset_), n, into.begin());
        offset_ += n;
        co_return n;
    }

  private:
    std::string text_;
    std::string label_ = "text";
    std::size_t offset_ = 0;
};

// The text to send from --text: the argument, or with "-" standard input up to
// msg::max_text_offer bytes. failure(usage) when it is longer, failure(local_io) if stdin fails.
std::string text_to_send(const std::string& argument);

}  // namespace ferry::sender
