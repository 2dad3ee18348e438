#include "sender/share_selection.hpp"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"

namespace ferry::sender {

namespace {

// The entries of `share` from `first` on that lie below `path`: they follow it in the walk.
std::size_t subtree_end(const tree_plan& share, std::size_t first) {
    const auto prefix = share.entries[first].path + "/";
    auto end = first + 1;
    while (end < share.entries.size() && share.entries[end].path.starts_with(prefix))
        ++end;
    return end;
}

std::string last_component(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Where each asked path is in the share's walk, in walk order, a path inside another dropped.
std::vector<std::size_t> find_roots(const tree_plan& share, const std::vector<std::string>& paths) {
    std::unordered_map<std::string_view, std::size_t> where;
    where.reserve(share.entries.size());
    for (std::size_t i = 0; i < share.entries.size(); ++i)
        where.emplace(share.entries[i].path, i);
    std::vector<std::size_t> roots;
    for (const auto& asked : paths) {
        const auto path = share_path(asked);
        const auto it = where.find(path);
        if (it == where.end()) {
            throw failure(exit_code::usage,
                          fmt::format("'{}' is not in the share", printable(asked)));
        }
        if (share.entries[it->second].type == msg::entry_type::symlink) {
            throw failure(exit_code::usage, fmt::format("'{}' is a link: take the folder it is in",
                                                        printable(asked)));
        }
        roots.push_back(it->second);
    }
    std::sort(roots.begin(), roots.end());
    roots.erase(std::unique(roots.begin(), roots.end()), roots.end());
    std::vector<std::size_t> outer;
    std::size_t covered = 0;  // entries before this are in an item already taken
    for (const auto r : roots) {
        if (!outer.empty() && r < covered) continue;
        outer.push_back(r);
        covered = subtree_end(share, r);
    }
    return outer;
}

void add_item(tree_plan& out, const tree_plan& share, std::size_t root) {
    const auto& top = share.entries[root];
    const auto name = last_component(top.path);
    for (const auto& item : out.offer.items) {
        if (item.name == name) {
            throw failure(exit_code::usage, fmt::format("two of the paths are named '{}': take "
                                                        "them one at a time",
                                                        printable(name)));
        }
    }
    const auto item = static_cast<std::uint32_t>(out.roots.size());
    out.roots.push_back(share.local_path(top));
    out.offer.items.push_back(msg::offer_item{top.type, 0, 0, name});
    auto& offered = out.offer.items.back();
    const auto end = subtree_end(share, root);
    for (auto i = root; i < end; ++i) {
        auto e = share.entries[i];
        e.item = item;
        e.path = name + e.path.substr(top.path.size());
        if (e.type == msg::entry_type::file) {
            ++out.offer.files;
            ++offered.files;
            offered.size += e.size;
            out.offer.size += e.size;
        } else if (e.type == msg::entry_type::folder) {
            ++out.offer.folders;
        } else {
            ++out.offer.symlinks;
        }
        out.entries.push_back(std::move(e));
    }
}

}  // namespace

std::string share_path(std::string_view asked) {
    while (asked.starts_with("./"))
        asked.remove_prefix(2);
    while (asked.size() > 1 && asked.ends_with('/'))
        asked.remove_suffix(1);
    return std::string(asked);
}

std::shared_ptr<const tree_plan> select_from_share(const std::shared_ptr<const tree_plan>& share,
                                                   const std::vector<std::string>& paths) {
    if (paths.empty()) return share;
    auto out = std::make_shared<tree_plan>();
    out->offer.kind = static_cast<std::uint8_t>(msg::offer_kind::tree);
    for (const auto root : find_roots(*share, paths))
        add_item(*out, *share, root);
    return out;
}

}  // namespace ferry::sender
