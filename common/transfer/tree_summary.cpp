#include "common/transfer/tree_summary.hpp"

#include <fmt/format.h>

#include "common/ui/text.hpp"
#include "common/ui/units.hpp"

namespace ferry::transfer {

std::string tree_totals(const msg::offer& offer) {
    auto text =
        fmt::format("{} in {}", plural(offer.files, "file"), plural(offer.folders, "folder"));
    if (offer.symlinks > 0) text += fmt::format(" and {}", plural(offer.symlinks, "symlink"));
    return fmt::format("{}, {}", text, format_size(offer.size));
}

std::string item_text(const msg::offer_item& item, const std::string& name) {
    if (item.type != msg::entry_type::folder) return printable(name);
    return fmt::format("{}/ ({}, {})", printable(name), plural(item.files, "file"),
                       format_size(item.size));
}

std::string items_label(const msg::offer& offer) {
    if (offer.items.size() == 1) {
        const auto& item = offer.items.front();
        return fmt::format("'{}{}'", printable(item.name),
                           item.type == msg::entry_type::folder ? "/" : "");
    }
    return plural(offer.items.size(), "item");
}

}  // namespace ferry::transfer
