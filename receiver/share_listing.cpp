#include "receiver/share_listing.hpp"

#include <ctime>

#include <fmt/format.h>

#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry::receiver {

std::string listing_time(std::int64_t mtime_ns) {
    const std::time_t seconds = static_cast<std::time_t>(mtime_ns / 1'000'000'000);
    std::tm local{};
    if (::localtime_r(&seconds, &local) == nullptr) return "?";
    char out[32];
    const auto n = std::strftime(out, sizeof out, "%Y-%m-%d %H:%M", &local);
    return std::string(out, n);
}

// The walk puts a folder before what is in it: a folder is done once a path outside it comes.
void share_listing::close_folders_before(const std::string& path) {
    while (!open_.empty() && !path.starts_with(open_.back().prefix))
        close_folder();
}

void share_listing::close_folder() {
    const auto& f = open_.back();
    out_(fmt::format("{:>10}  {:<16}  {}\n", format_size(f.size), plural(f.files, "file"),
                     printable(f.prefix)));
    open_.pop_back();
}

void share_listing::add(const msg::entry& e) {
    if (entries_ >= msg::max_tree_entries) {
        throw wire_error(fmt::format("a listing of over {} entries", msg::max_tree_entries));
    }
    ++entries_;
    close_folders_before(e.path);
    switch (e.type) {
        case msg::entry_type::file:
            ++files_;
            bytes_ += e.size;
            for (auto& f : open_) {
                f.size += e.size;
                ++f.files;
            }
            out_(fmt::format("{:>10}  {:<16}  {}\n", format_size(e.size), listing_time(e.mtime_ns),
                             printable(e.path)));
            break;
        case msg::entry_type::folder:
            ++folders_;
            open_.push_back(folder{e.path + "/"});
            break;
        case msg::entry_type::symlink:
            ++links_;
            out_(fmt::format("{:>10}  {:<16}  {} -> {}\n", "", "", printable(e.path),
                             printable(e.target)));
            break;
    }
}

void share_listing::finish() {
    while (!open_.empty())
        close_folder();
    out_(fmt::format("{} in {}{}, {}\n", plural(files_, "file"), plural(folders_, "folder"),
                     links_ == 0 ? "" : ", " + plural(links_, "link"), format_size(bytes_)));
}

}  // namespace ferry::receiver
