#include "receiver/share_listing.hpp"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry::receiver {

namespace {

constexpr std::size_t widest_path = 60;  // longer paths push their line's columns right

}  // namespace

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
    while (!open_prefix_.empty() && !path.starts_with(open_prefix_.back())) {
        open_prefix_.pop_back();
        open_.pop_back();
    }
}

void share_listing::add(const msg::entry& e) {
    if (rows_.size() >= msg::max_tree_entries) {
        throw wire_error(fmt::format("a listing of over {} entries", msg::max_tree_entries));
    }
    close_folders_before(e.path);
    row r{e.type, printable(e.path), printable(e.target), e.size, 0, e.mtime_ns};
    switch (e.type) {
        case msg::entry_type::file:
            ++files_;
            bytes_ += e.size;
            for (const auto folder : open_) {
                rows_[folder].size += e.size;
                ++rows_[folder].files;
            }
            break;
        case msg::entry_type::folder:
            ++folders_;
            r.path += '/';
            open_.push_back(rows_.size());
            open_prefix_.push_back(e.path + "/");
            break;
        case msg::entry_type::symlink:
            ++links_;
            break;
    }
    rows_.push_back(std::move(r));
}

std::string share_listing::text() const {
    std::size_t width = 0;
    for (const auto& r : rows_)
        width = std::max(width, std::min(r.path.size(), widest_path));
    std::string out;
    for (const auto& r : rows_) {
        switch (r.type) {
            case msg::entry_type::folder:
                out += fmt::format("{:<{}}  {:>12}  {:>10}\n", r.path, width,
                                   plural(r.files, "file"), format_size(r.size));
                break;
            case msg::entry_type::file:
                out += fmt::format("{:<{}}  {:>12}  {:>10}  {}\n", r.path, width, "",
                                   format_size(r.size), listing_time(r.mtime_ns));
                break;
            case msg::entry_type::symlink:
                out += fmt::format("{:<{}}  -> {}\n", r.path, width, r.target);
                break;
        }
    }
    out += fmt::format("{} in {}{}, {}\n", plural(files_, "file"), plural(folders_, "folder"),
                       links_ == 0 ? "" : ", " + plural(links_, "link"), format_size(bytes_));
    return out;
}

}  // namespace ferry::receiver
