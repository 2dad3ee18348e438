#pragma once

#include <string>
#include <vector>

#include "common/transfer/message.hpp"

namespace ferry::receiver {

// After a tree was saved into the folder `dir_fd`: removes the other partial folders there that
// kept only entries of items of the same names (the same names kept under another id: by an
// earlier ferry, or with other items beside them), as their journals say. Only what is surely a
// partial of ferry's is touched: a ".ferry-partial-*" folder, opened without following links,
// private to this user, holding a journal, and locked (one a receive uses is left alone). Best
// effort: what cannot be removed stays, for --discard-partial.
void remove_obsolete_partials(int dir_fd, const std::string& own,
                              const std::vector<msg::offer_item>& items);

}  // namespace ferry::receiver
