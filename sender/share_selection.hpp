#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sender/tree_plan.hpp"

namespace ferry::sender {

// What one receiver of a share takes: for each path it named (as its listing shows them,
// 'course/week1'), that entry and everything below it, as a top-level item of its own named by
// its last component ('week1/...'), just as `ferry send course/week1` would send it. A path
// inside another one named is taken once, with it. No paths: the whole share. Each entry keeps
// its `index` in the share. Throws failure(usage) with a line for the receiver: a path not in the
// share, a link (not an item), two items of the same name. The whole share is the share's own
// plan, not a copy: a receiver costs no memory per entry.
std::shared_ptr<const tree_plan> select_from_share(const std::shared_ptr<const tree_plan>& share,
                                                   const std::vector<std::string>& paths);

// "course/week1/" → "course/week1", "./a" → "a": a path as the share's entries spell it.
std::string share_path(std::string_view asked);

}  // namespace ferry::sender
