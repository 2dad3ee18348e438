#include "sender/tree_source.hpp"

#include <stdexcept>

#include "common/transfer/tree_summary.hpp"

namespace ferry::sender {

tree_source::tree_source(tree_plan plan)
    : tree_source(std::make_shared<const tree_plan>(std::move(plan))) {}

tree_source::tree_source(std::shared_ptr<const tree_plan> plan)
    : plan_(std::move(plan)),
      label_(transfer::items_label(plan_->offer)),
      records_(*plan_),
      reader_([this](mutable_byte_span into) { return records_.fill(into); }) {}

awaitable<std::size_t> tree_source::read_async(mutable_byte_span /*into*/) {
    throw std::logic_error("a tree is sent with read_records()");
    co_return 0;
}

}  // namespace ferry::sender
