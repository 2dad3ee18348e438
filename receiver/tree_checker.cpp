#include "receiver/tree_checker.hpp"

#include <fmt/format.h>

#include "common/transfer/tree_path.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"

namespace ferry::receiver {

tree_checker::tree_checker(const msg::offer& offer) : offer_(offer), counts_(offer.items.size()) {
    for (std::size_t i = 0; i < offer.items.size(); ++i) {
        if (!items_.emplace(offer.items[i].name, i).second) {
            refuse(offer.items[i].name, "the offer names this item twice");
        }
    }
}

void tree_checker::refuse(const std::string& path, const std::string& why) const {
    throw failure(
        exit_code::network,
        fmt::format("refused '{}' from the sender: {}; nothing was saved", printable(path), why));
}

std::size_t tree_checker::item_of(const msg::entry& e) {
    const auto slash = e.path.find('/');
    const auto found = items_.find(e.path.substr(0, slash));
    if (found == items_.end()) refuse(e.path, "it is not in one of the offered items");
    const auto& item = offer_.items[found->second];
    auto& count = counts_[found->second];
    if (slash == std::string::npos) {
        if (e.type != item.type) refuse(e.path, "its type is not the one offered");
        count.seen = true;
    } else if (item.type == msg::entry_type::file) {
        refuse(e.path, "it is below a file");
    } else if (!count.seen) {
        refuse(e.path, "it came before its folder");
    }
    return found->second;
}

tree_checker::verdict tree_checker::on_entry(const msg::entry& e) {
    if (in_file_) refuse(path_, "the sender started the next entry before this file's end");
    if (auto why = unsafe_path_reason(e.path)) refuse(e.path, *why);
    if (++entries_ > std::uint64_t{offer_.files} + offer_.folders + offer_.symlinks) {
        refuse(e.path, "the sender sent more entries than it offered");
    }
    const auto index = item_of(e);
    auto& count = counts_[index];
    switch (e.type) {
        case msg::entry_type::folder:
            ++folders_;
            return verdict::take;
        case msg::entry_type::symlink:
            ++symlinks_;
            if (auto why = unsafe_link_reason(e.path, e.target)) {
                notice_ = fmt::format("skipped {}: a symlink to '{}': {}", printable(e.path),
                                      printable(e.target), *why);
                return verdict::skip;
            }
            return verdict::take;
        case msg::entry_type::file:
            break;
    }
    ++files_;
    count.files += 1;
    count.size += e.size;
    if (count.size < e.size || count.size > offer_.items[index].size) {
        refuse(e.path, "the files are larger than offered");
    }
    in_file_ = true;
    left_ = e.size;
    path_ = e.path;
    return verdict::take;
}

void tree_checker::on_data(std::size_t n) {
    if (!in_file_) throw failure(exit_code::network, "the sender sent data outside a file");
    if (n == 0 || n > left_) refuse(path_, "the sender sent more bytes than the file's size");
    left_ -= n;
}

void tree_checker::on_file_end() {
    if (!in_file_) throw failure(exit_code::network, "the sender ended a file it had not started");
    if (left_ != 0) {
        refuse(path_, fmt::format("the file ended {} short of its size", plural(left_, "byte")));
    }
    in_file_ = false;
    ++files_done_;
}

void tree_checker::on_done() const {
    if (in_file_) refuse(path_, "the sender finished in the middle of this file");
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        const auto& want = offer_.items[i];
        const auto& got = counts_[i];
        if (!got.seen || got.files != want.files || got.size != want.size) {
            refuse(want.name, fmt::format("{} of {} arrived, {} offered", plural(got.files, "file"),
                                          format_size(got.size),
                                          fmt::format("{} of {}", plural(want.files, "file"),
                                                      format_size(want.size))));
        }
    }
    if (folders_ != offer_.folders || symlinks_ != offer_.symlinks) {
        throw failure(
            exit_code::network,
            fmt::format("the sender sent {} and {}, not the {} and {} it offered; "
                        "nothing was saved",
                        plural(folders_, "folder"), plural(symlinks_, "symlink"),
                        plural(offer_.folders, "folder"), plural(offer_.symlinks, "symlink")));
    }
}

}  // namespace ferry::receiver
