#include "sender/tree_plan.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "common/transfer/safe_name.hpp"
#include "common/transfer/tree_path.hpp"
#include "common/transfer/tree_summary.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"
#include "common/wire/record_format.hpp"

namespace ferry::sender {

namespace {

constexpr std::size_t max_problems_shown = 5;

std::int64_t mtime_ns(const struct stat& st) {
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

struct dir_closer {
    void operator()(DIR* d) const { ::closedir(d); }
};

// The walk's state: the plan it fills and what it could not take.
class walker {
  public:
    explicit walker(tree_plan& plan) : plan_(plan) {}

    void add_item(const std::filesystem::path& path);
    void check() const;

  private:
    void add(const std::string& wire, const struct stat& st, std::uint32_t item);
    void walk(int dir_fd, const std::string& wire, std::size_t depth);
    void visit(int dir_fd, const std::string& name, const std::string& wire, std::size_t depth);
    void problem(const std::string& wire, const std::string& why, bool unreadable);
    void skip(const std::string& wire, const std::string& why);

    tree_plan& plan_;
    std::uint32_t item_ = 0;  // the item being walked
    std::vector<std::string> problems_;
    bool unreadable_ = false;
};

// A command-line path's name as an item: "photos/" is photos, "." the current folder's name.
std::string item_name(const std::filesystem::path& path) {
    auto p = path.lexically_normal();
    if (p.has_filename() && p.filename() != "." && p.filename() != "..") return p.filename();
    if (!p.has_filename() && p.has_parent_path() && p.parent_path().has_filename() &&
        p.parent_path().filename() != "..") {
        return p.parent_path().filename();  // "photos/": lexically_normal keeps the slash
    }
    std::error_code ec;
    const auto real = std::filesystem::weakly_canonical(path, ec);
    return ec ? std::string() : real.filename().string();
}

void walker::add_item(const std::filesystem::path& path) {
    const auto shown = printable(path.string());
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        throw failure(exit_code::local_io,
                      fmt::format("cannot send {}: {}", shown, std::strerror(errno)));
    }
    const auto name = item_name(path);
    if (name.empty())
        throw failure(exit_code::usage, fmt::format("cannot send {}: it has no name", shown));
    if (auto why = unsafe_item_name_reason(name)) {
        throw failure(exit_code::usage,
                      fmt::format("cannot send '{}': {}; rename it first", printable(name), *why));
    }
    for (const auto& item : plan_.offer.items) {
        if (item.name == name) {
            throw failure(exit_code::usage,
                          fmt::format("two items are named '{}'; send them from one folder, or "
                                      "one at a time",
                                      printable(name)));
        }
    }
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        throw failure(exit_code::usage,
                      fmt::format("cannot send {}: it is not a file or folder", shown));
    }
    const auto item = static_cast<std::uint32_t>(plan_.roots.size());
    item_ = item;
    plan_.roots.push_back(path);
    plan_.offer.items.push_back(msg::offer_item{
        S_ISDIR(st.st_mode) ? msg::entry_type::folder : msg::entry_type::file, 0, 0, name});
    if (S_ISREG(st.st_mode)) {
        if (::access(path.c_str(), R_OK) != 0) problem(name, std::strerror(errno), true);
        add(name, st, item);
        return;
    }
    add(name, st, item);
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        problem(name, std::strerror(errno), true);
        return;
    }
    walk(fd, name, 1);  // takes fd
}

void walker::add(const std::string& wire, const struct stat& st, std::uint32_t item) {
    if (plan_.entries.size() >= msg::max_tree_entries) {
        throw failure(exit_code::usage,
                      fmt::format("more than {} files and folders: send them in parts",
                                  grouped(msg::max_tree_entries)));
    }
    planned_entry e;
    e.mode = static_cast<std::uint16_t>(st.st_mode & 0777);
    e.mtime_ns = mtime_ns(st);
    e.item = item;
    e.index = static_cast<std::uint32_t>(plan_.entries.size());
    e.named = wire.find('/') == std::string::npos;
    e.path = wire;
    auto& offered = plan_.offer.items[item];
    if (S_ISREG(st.st_mode)) {
        e.type = msg::entry_type::file;
        e.size = static_cast<std::uint64_t>(st.st_size);
        e.dev = st.st_dev;
        e.ino = st.st_ino;
        ++plan_.offer.files;
        ++offered.files;
        offered.size += e.size;
        plan_.offer.size += e.size;
    } else if (S_ISDIR(st.st_mode)) {
        e.type = msg::entry_type::folder;
        e.mode = 0;
        ++plan_.offer.folders;
    } else {
        e.type = msg::entry_type::symlink;
        e.mode = 0;
        ++plan_.offer.symlinks;
    }
    plan_.entries.push_back(std::move(e));
}

// Reads the folder's names (sorted, for an order people can follow), then visits each.
void walker::walk(int dir_fd, const std::string& wire, std::size_t depth) {
    std::unique_ptr<DIR, dir_closer> dir(::fdopendir(dir_fd));
    if (!dir) {
        const int err = errno;
        ::close(dir_fd);
        problem(wire, std::strerror(err), true);
        return;
    }
    std::vector<std::string> names;
    errno = 0;
    while (const auto* d = ::readdir(dir.get())) {
        const std::string_view n = d->d_name;
        if (n != "." && n != "..") names.emplace_back(n);
    }
    if (errno != 0) problem(wire, std::strerror(errno), true);
    std::sort(names.begin(), names.end());
    for (const auto& name : names)
        visit(::dirfd(dir.get()), name, wire + "/" + name, depth);
}

void walker::visit(int dir_fd, const std::string& name, const std::string& wire,
                   std::size_t depth) {
    struct stat st {};
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT) problem(wire, std::strerror(errno), true);
        return;  // gone since the folder was read: not part of the offer
    }
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) {
        const char* what = S_ISFIFO(st.st_mode)   ? "a FIFO"
                           : S_ISSOCK(st.st_mode) ? "a socket"
                                                  : "a device";
        skip(wire, fmt::format("{}, not a file", what));
        return;
    }
    if (auto why = unsafe_path_reason(wire)) {
        problem(wire, *why, false);
        return;
    }
    const auto item = item_;
    if (S_ISLNK(st.st_mode)) {
        std::string target(msg::max_path_bytes + 1, '\0');
        const auto n = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
        if (n < 0) {
            problem(wire, std::strerror(errno), true);
            return;
        }
        target.resize(static_cast<std::size_t>(n));
        if (auto why = unsafe_link_reason(wire, target)) {
            skip(wire, fmt::format("a symlink to '{}': {}", printable(target), *why));
            return;
        }
        add(wire, st, item);
        plan_.entries.back().target = std::move(target);
        return;
    }
    if (S_ISREG(st.st_mode)) {
        if (::faccessat(dir_fd, name.c_str(), R_OK, AT_EACCESS) != 0) {
            problem(wire, std::strerror(errno), true);
        }
        add(wire, st, item);
        return;
    }
    if (depth + 1 >= msg::max_path_depth) {
        problem(wire, fmt::format("over {} folders deep", msg::max_path_depth), false);
        return;
    }
    const int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        problem(wire, std::strerror(errno), true);
        return;
    }
    add(wire, st, item);
    walk(fd, wire, depth + 1);
}

void walker::problem(const std::string& wire, const std::string& why, bool unreadable) {
    unreadable_ = unreadable_ || unreadable;
    problems_.push_back(fmt::format("{}: {}", printable(wire), why));
}

void walker::skip(const std::string& wire, const std::string& why) {
    plan_.notices.push_back(fmt::format("skipped {}: {}", printable(wire), why));
}

// Everything that would fail later fails now, before the code is shown: a receiver is never
// made to wait for a transfer that cannot finish.
void walker::check() const {
    if (problems_.empty()) return;
    std::string list;
    for (std::size_t i = 0; i < std::min(problems_.size(), max_problems_shown); ++i) {
        list += (i == 0 ? "" : "; ") + problems_[i];
    }
    if (problems_.size() > max_problems_shown) {
        list += fmt::format("; and {} more", problems_.size() - max_problems_shown);
    }
    throw failure(
        unreadable_ ? exit_code::local_io : exit_code::usage,
        fmt::format("cannot send {}: {}", plural(problems_.size(), "entry", "entries"), list));
}

}  // namespace

std::filesystem::path tree_plan::local_path(const planned_entry& e) const {
    const auto& root = roots[e.item];
    const auto& item = offer.items[e.item].name;
    if (e.path.size() == item.size()) return root;
    return root / e.path.substr(item.size() + 1);
}

tree_plan plan_tree(const std::vector<std::filesystem::path>& paths) {
    tree_plan plan;
    plan.offer.kind = static_cast<std::uint8_t>(msg::offer_kind::tree);
    if (paths.size() > msg::max_offer_items) {
        throw failure(exit_code::usage,
                      fmt::format("{} items on the command line (at most {}): put them in a "
                                  "folder and send that",
                                  grouped(paths.size()), grouped(msg::max_offer_items)));
    }
    walker w(plan);
    for (const auto& p : paths)
        w.add_item(p);
    w.check();
    if (msg::encode(plan.offer).size() > max_record_payload) {
        throw failure(exit_code::usage,
                      "the names on the command line are too long together: put the items in a "
                      "folder and send that");
    }
    return plan;
}

std::string describe_plan(const msg::offer& offer) {
    return fmt::format("{}: {}", transfer::items_label(offer), transfer::tree_totals(offer));
}

}  // namespace ferry::sender
