#pragma once

#include <string>

#include "common/transfer/message.hpp"

// How a tree offer is named to people, the same words on both sides. All printable.
namespace ferry::transfer {

// "1,204 files in 37 folders, 3.2 GiB" (symlinks too when there are any).
std::string tree_totals(const msg::offer& offer);

// "report.pdf" for a file, "photos/ (1,202 files, 3.1 GiB)" for a folder; `name` instead of the
// offered name when it is saved under another one.
std::string item_text(const msg::offer_item& item, const std::string& name);

// "3 items" or "'photos/'".
std::string items_label(const msg::offer& offer);

}  // namespace ferry::transfer
