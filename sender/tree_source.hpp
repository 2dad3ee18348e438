#pragma once

#include <memory>
#include <string>

#include "sender/background_reader.hpp"
#include "sender/source.hpp"
#include "sender/tree_plan.hpp"
#include "sender/tree_reader.hpp"

namespace ferry::sender {

// Files and folders, planned by the walk; their records are read on a thread of their own.
class tree_source final : public source {
  public:
    explicit tree_source(tree_plan plan);
    // A plan shared with others (a share's receivers): read, never changed.
    explicit tree_source(std::shared_ptr<const tree_plan> plan);

    [[nodiscard]] msg::offer offer() const override { return plan_->offer; }
    [[nodiscard]] transfer::feature needs() const override { return transfer::feature::tree; }
    [[nodiscard]] const std::string& name() const override { return label_; }
    [[nodiscard]] std::string describe() const override { return describe_plan(plan_->offer); }
    [[nodiscard]] std::uint64_t size() const override { return plan_->offer.size; }
    // A tree is not a stream of bytes: read_records() instead. Throws std::logic_error.
    awaitable<std::size_t> read_async(mutable_byte_span into) override;
    tree_source* as_tree() override { return this; }

    // Fills `into` with the next records (tree_reader::fill) without blocking the caller's
    // thread; 0 at the end. One call at a time.
    awaitable<std::size_t> read_records(mutable_byte_span into) { return reader_.read(into); }
    [[nodiscard]] const tree_plan& plan() const { return *plan_; }
    // Before the first read_records(): compress as a record_packer with `setting` decides.
    void compress_with(int setting) { records_.compress_with(setting); }
    // Before the first read_records(): the records start at entry `first`.
    void start_at(std::size_t first) { records_.start_at(first); }
    // Before the first read_records(): a share's files are hashed once, by `digests`.
    void take_digests_from(share_digests& digests) { records_.take_digests_from(digests); }

  private:
    std::shared_ptr<const tree_plan> plan_;
    std::string label_;
    tree_reader records_;
    background_reader reader_;  // last: its thread uses records_
};

}  // namespace ferry::sender
