#include "receiver/partial_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "common/transfer/tree_path.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "receiver/io_failure.hpp"
#include "receiver/obsolete_partials.hpp"
#include "receiver/private_folder.hpp"

namespace ferry::receiver {

namespace {

constexpr const char* tree_name = "tree";
constexpr int open_folder_flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
constexpr std::size_t hash_step = std::size_t{4} << 20U;

// The names in the folder `fd`, read whole before anything in it changes.
std::vector<std::string> names_in(int fd) {
    std::vector<std::string> out;
    const int list_fd = ::openat(fd, ".", open_folder_flags);
    DIR* d = list_fd < 0 ? nullptr : ::fdopendir(list_fd);
    if (d == nullptr) {
        if (list_fd >= 0) ::close(list_fd);
        return out;
    }
    while (const dirent* e = ::readdir(d)) {
        const std::string_view n = e->d_name;
        if (n != "." && n != "..") out.emplace_back(n);
    }
    ::closedir(d);
    return out;
}

bool matches(const msg::entry& e, const struct stat& st) {
    switch (e.type) {
        case msg::entry_type::file:
            return S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) == e.size;
        case msg::entry_type::folder:
            return S_ISDIR(st.st_mode);
        case msg::entry_type::symlink:
            return S_ISLNK(st.st_mode);
    }
    return false;
}

// A kept symlink must still point where the journal says, and be one this receiver makes: the
// folder may have been changed between two tries (a link retargeted out of the tree).
bool link_as_journaled(int fd, const std::string& name, const msg::entry& e) {
    if (unsafe_link_reason(e.path, e.target)) return false;
    std::string target(e.target.size() + 1, '\0');  // one more: a longer target shows
    const auto n = ::readlinkat(fd, name.c_str(), target.data(), target.size());
    return n >= 0 && static_cast<std::size_t>(n) == e.target.size() &&
           target.compare(0, e.target.size(), e.target) == 0;
}

bool kept_as_journaled(int fd, const std::string& name, const msg::entry& e) {
    struct stat st {};
    if (::fstatat(fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !matches(e, st)) return false;
    return e.type != msg::entry_type::symlink || link_as_journaled(fd, name, e);
}

}  // namespace

partial_tree::partial_tree(const std::filesystem::path& dir, const msg::offer& offered, bool fresh,
                           kept_partial& kept)
    : dir_(dir),
      items_(offered.items),
      report_(kept),
      where_(dir, partial_folder_name(partial_id_of(offered))),
      fresh_(fresh) {
    const auto id = partial_id_of(offered);
    try {
        open_tree();
        journal_ = std::make_unique<tree_journal>(
            where_.fd, id, fmt::format("{}/{}", where_.shown_dir, printable(where_.name)));
        had_entries_ = !journal_->loaded().empty();
        // Fresh: nothing is offered, and what is there goes only once the transfer starts.
        // The tree may have shrunk since: never more kept entries than it has now.
        const auto entries = std::size_t{offered.files} + offered.folders + offered.symlinks;
        if (!fresh) prune(std::min(journal_->loaded().size(), entries));
    } catch (...) {  // the destructor does not run for a constructor that throws
        journal_.reset();
        close_fd(tree_fd_);
        if (!had_entries_) remove_below(where_.dir_fd, where_.name);  // made just now
        throw;
    }
}

partial_tree::~partial_tree() {
    close_fd(reading_fd_);
    staging_.reset();
    if (!committed_) {
        if (started_ && !discarded_) {
            const bool kept_all = journal_->finish_kept();
            if (kept_all && journal_->bytes() > 0) {  // folders alone are not worth keeping
                report_.folder = where_.name;
                report_.bytes = journal_->bytes();
            } else {
                remove_folder();
            }
        } else if (discarded_ || !had_entries_) {
            remove_folder();
        } else {  // an earlier try's data, untouched this time (a no, or a sender that stopped)
            report_.folder = where_.name;
            report_.bytes = kept_bytes(fresh_ ? journal_->loaded().size() : kept_);
        }
    }
    journal_.reset();
    close_fd(tree_fd_);
}

void partial_tree::open_tree() {
    const auto shown = fmt::format("{}/{}", where_.shown_dir, printable(where_.name));
    require_no_replace(where_.fd, shown);
    if (::mkdirat(where_.fd, tree_name, 0700) != 0 && errno != EEXIST) {
        io_failure(fmt::format("cannot create a folder in {}", shown), errno);
    }
    tree_fd_ = ::openat(where_.fd, tree_name, open_folder_flags);
    if (tree_fd_ < 0) io_failure(fmt::format("cannot use {}", shown), errno);
}

std::uint64_t partial_tree::kept_bytes(std::size_t n) const {
    std::uint64_t total = 0;
    const auto& entries = journal_->loaded();
    for (std::size_t i = 0; i < n && i < entries.size(); ++i)
        total += entries[i].entry.size;
    return total;
}

std::size_t partial_tree::kept_files() const {
    const auto& entries = journal_->loaded();
    return static_cast<std::size_t>(
        std::count_if(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(kept_),
                      [](const auto& e) { return e.entry.type == msg::entry_type::file; }));
}

void partial_tree::prune(std::size_t n) {
    const auto& entries = journal_->loaded();
    for (;;) {
        std::unordered_map<std::string, std::size_t> wanted;
        for (std::size_t i = 0; i < n; ++i)
            wanted.emplace(entries[i].entry.path, i);
        std::vector<bool> found(n, false);
        prune_folder(tree_fd_, "", wanted, found);
        std::size_t in_order = 0;
        while (in_order < n && found[in_order])
            ++in_order;
        if (in_order == n) break;
        n = in_order;  // what follows a missing entry is removed too: the sender sends it again
    }
    kept_ = n;
}

// A symlink the receiver left out (a filesystem without them, or one it skips) is kept as long
// as nothing else stands in its place; one that is there must be the journal's, target and all.
void partial_tree::prune_folder(int fd, const std::string& prefix,
                                const std::unordered_map<std::string, std::size_t>& wanted,
                                std::vector<bool>& found) {
    if (prefix.empty()) {
        for (const auto& [path, i] : wanted) {
            if (journal_->loaded()[i].entry.type == msg::entry_type::symlink) found[i] = true;
        }
    }
    for (const auto& name : names_in(fd)) {
        const auto path = prefix.empty() ? name : prefix + "/" + name;
        const auto it = wanted.find(path);
        const bool keep =
            it != wanted.end() && kept_as_journaled(fd, name, journal_->loaded()[it->second].entry);
        if (!keep) {
            if (it != wanted.end()) found[it->second] = false;
            if (!remove_below(fd, name)) {
                io_failure(fmt::format("cannot remove {} in {}/{}", printable(path),
                                       where_.shown_dir, printable(where_.name)),
                           errno);
            }
            continue;
        }
        found[it->second] = true;
        if (journal_->loaded()[it->second].entry.type != msg::entry_type::folder) continue;
        const int sub = ::openat(fd, name.c_str(), open_folder_flags);
        if (sub < 0)
            io_failure(fmt::format("cannot use {}/{}", where_.shown_dir, printable(where_.name)),
                       errno);
        try {
            prune_folder(sub, path, wanted, found);
        } catch (...) {
            ::close(sub);
            throw;
        }
        ::close(sub);
    }
}

int partial_tree::open_kept_file(const std::string& path) const {
    int at = tree_fd_;
    std::size_t start = 0;
    for (auto slash = path.find('/'); slash != std::string::npos; slash = path.find('/', start)) {
        const auto part = path.substr(start, slash - start);
        const int next = ::openat(at, part.c_str(), open_folder_flags);
        if (at != tree_fd_) ::close(at);
        if (next < 0) return -1;
        at = next;
        start = slash + 1;
    }
    const int fd =
        ::openat(at, path.substr(start).c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (at != tree_fd_) ::close(at);
    return fd;
}

bool partial_tree::verify_step() {
    const auto& entries = journal_->loaded();
    while (verified_ < kept_) {
        const auto& e = entries[verified_];
        if (e.entry.type != msg::entry_type::file) {
            ++verified_;
            continue;
        }
        if (reading_fd_ < 0) {
            reading_fd_ = open_kept_file(e.entry.path);
            read_ = 0;
            hash_.reset();
            if (reading_fd_ < 0) {
                kept_ = verified_;
                break;
            }
        }
        if (buffer_.empty()) buffer_.resize(hash_step);
        const auto want =
            static_cast<std::size_t>(std::min<std::uint64_t>(hash_step, e.entry.size - read_));
        const auto n =
            want == 0 ? 0 : ::pread(reading_fd_, buffer_.data(), want, static_cast<off_t>(read_));
        if (n < 0 && errno == EINTR) continue;
        if (n > 0) {
            hash_.update(byte_span(buffer_).first(static_cast<std::size_t>(n)));
            read_ += static_cast<std::uint64_t>(n);
            if (read_ < e.entry.size) return false;  // the next step goes on
        }
        const bool same = read_ == e.entry.size && hash_.finish() == e.sha256;
        close_fd(reading_fd_);
        if (!same) {
            kept_ = verified_;
            break;
        }
        ++verified_;
        if (want > 0) return verified_ >= kept_;  // a step read something: let the loop in
    }
    return true;
}

void partial_tree::start(std::size_t n) {
    if (started_ || n > kept_ || (n > 0 && verified_ < n)) {
        throw std::logic_error("partial_tree: start beyond what was kept and verified");
    }
    close_fd(reading_fd_);
    prune(n);
    journal_->start(n);
    const int root = ::openat(where_.fd, tree_name, open_folder_flags);
    if (root < 0)
        io_failure(fmt::format("cannot use {}/{}", where_.shown_dir, printable(where_.name)),
                   errno);
    staging_ = std::make_unique<staging_tree>(dir_, root);
    started_ = true;
}

void partial_tree::committed() {
    committed_ = true;
    staging_.reset();
    remove_folder();
    remove_obsolete_partials(where_.dir_fd, where_.name, items_);
}

void partial_tree::remove_folder() {
    close_fd(tree_fd_);
    remove_below(where_.dir_fd, where_.name);
}

}  // namespace ferry::receiver
