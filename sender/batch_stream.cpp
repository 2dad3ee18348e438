#include "sender/batch_stream.hpp"

#include <fmt/format.h>

#include "common/net/race.hpp"
#include "common/transfer/message.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "common/wire/record_format.hpp"

namespace ferry::sender {

batch_stream::batch_stream(record_channel& channel, std::uint64_t& sent, sha256& hash,
                           std::uint64_t limit_rate)
    : channel_(channel), sent_(sent), hash_(hash), limit_rate_(limit_rate) {}

void batch_stream::share_mode(std::size_t batch_size, const bool& stop, std::string why) {
    batch_size_ = batch_size;
    stop_ = &stop;
    stop_why_ = std::move(why);
}

awaitable<void> batch_stream::send_tree(tree_source& tree, progress_bar& bar) {
    tree_ = &tree;
    files_total_ = tree.plan().offer.files;
    for (auto& b : batches_)
        b.resize(batch_size_);  // records read ahead, twice, whatever the number of files
    co_await run(bar);
    show_entry(bar, true);
}

awaitable<sha256_digest> batch_stream::send_packed(source& from, int level, progress_bar& bar) {
    bytes_ = &from;
    packer_ = std::make_unique<stream_packer>(level);
    packer_->continue_hash(hash_);
    for (auto& b : batches_)
        b.resize(stream_packer::batch_size);
    co_await run(bar);
    co_return packer_->finish();
}

// Each batch is sent while the next is made. A batch that cannot be made (a file that cannot be
// read) fails the batch after the one being sent: that one goes out whole (a write cancelled
// half-way would leave a torn record before the ABORT), then this throws.
awaitable<void> batch_stream::run(progress_bar& bar) {
    rate_limiter limiter(limit_rate_);
    std::size_t current = 0;
    co_await fill_batch(current);
    while (filled_[current] > 0) {
        co_await both(send_batch(current, bar, limiter), fill_batch(1 - current));
        current = 1 - current;
    }
    co_await channel_.flush();
    if (read_failure_) std::rethrow_exception(read_failure_);
}

awaitable<void> batch_stream::fill_batch(std::size_t which) {
    try {
        filled_[which] = co_await make_batch(which);
    } catch (const failure&) {
        filled_[which] = 0;
        read_failure_ = std::current_exception();
    }
}

// A tree's records come whole from its reader. Bytes come from one read: a file fills the raw
// batch, a pipe gives what it has, so that a slow producer's bytes are not held back.
awaitable<std::size_t> batch_stream::make_batch(std::size_t which) {
    if (tree_ != nullptr) co_return co_await tree_->read_records(batches_[which]);
    const auto n = co_await bytes_->read_async(packer_->raw());
    if (n == 0) co_return 0;
    co_return co_await packer_->pack(n, batches_[which]);
}

// Each record of the batch into the channel, sealed from where it is; small ones leave in one
// write together.
awaitable<void> batch_stream::send_batch(std::size_t which, progress_bar& bar,
                                         rate_limiter& limiter) {
    const auto batch = byte_span(batches_[which]).first(filled_[which]);
    for (std::size_t at = 0; at < batch.size();) {
        const auto length = get_u32(batch.data() + at);
        const auto payload = batch.subspan(at + 4, length);
        at += 4 + length;
        const auto kind = static_cast<msg::type>(payload[0]);
        const bool is_data = kind == msg::type::data || kind == msg::type::zdata;
        if (kind == msg::type::data) {
            sent_ += length - 1;
        } else if (kind == msg::type::zdata) {
            sent_ += get_u32(payload.data() + 1);
            ++compressed_records_;
        } else if (kind == msg::type::file_end) {
            hash_.update(payload.subspan(1));
            ++files_sent_;
        } else if (kind == msg::type::entry) {
            shown_entry_.assign(payload.begin(), payload.end());
        }
        if (is_data) wire_sent_ += length;
        // A share that ends stops here, between records, so that its ABORT is read whole.
        if (stop_ != nullptr && *stop_) throw failure(exit_code::interrupted, stop_why_);
        co_await channel_.send_from(payload, true);
        if (tree_ != nullptr) show_entry(bar, false);
        bar.update(sent_);
        if (is_data) co_await limiter.pace(length);
    }
    // Nothing held back while the next batch is made: a pipe's producer may pause for long.
    co_await channel_.flush();
}

void batch_stream::show_entry(progress_bar& bar, bool now) {
    bar.count_files(files_sent_, files_total_);
    if (shown_entry_.empty() || !(now || bar.due())) return;
    const auto m = msg::decode(shown_entry_);
    if (const auto* e = std::get_if<msg::entry>(&m)) bar.relabel(printable(e->path));
    shown_entry_.clear();
}

std::string batch_stream::wire_text() const {
    if (compressed_records_ == 0) return "";
    return fmt::format(", {} on the wire with zstd", format_size(wire_sent_));
}

}  // namespace ferry::sender
