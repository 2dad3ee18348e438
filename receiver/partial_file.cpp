#include "receiver/partial_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"
#include "receiver/io_failure.hpp"
#include "receiver/numbered_name.hpp"
#include "receiver/private_folder.hpp"
#include "receiver/staging_tree.hpp"
#include "receiver/tree_journal.hpp"

namespace ferry::receiver {

namespace {

using namespace std::chrono_literals;

constexpr const char* data_name = "data";
constexpr const char* state_name = "state";
constexpr const char* state_temp = "state.new";
constexpr std::uint64_t resume_alignment = 4096;  // O_DIRECT's, for the first block written
constexpr std::uint64_t sync_every_bytes = std::uint64_t{64} << 20U;
constexpr auto sync_every = 2s;
constexpr std::size_t hash_step = std::size_t{4} << 20U;

std::uint64_t size_of(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return 0;
    return static_cast<std::uint64_t>(st.st_size);
}

// Removes the files a partial folder holds, then the folder; false if something stays.
bool remove_partial(int dir_fd, const std::string& folder) {
    const int fd =
        ::openat(dir_fd, folder.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        for (const char* name : {data_name, state_name, state_temp})
            ::unlinkat(fd, name, 0);
        ::close(fd);
    }
    return ::unlinkat(dir_fd, folder.c_str(), AT_REMOVEDIR) == 0 || errno == ENOENT;
}

}  // namespace

partial_file::partial_file(const std::filesystem::path& dir, const msg::offer& offered, bool fresh,
                           kept_partial& kept)
    : id_(transfer_id_of(offered)),
      report_(kept),
      where_(dir, partial_folder_name(partial_id_of(offered))) {
    try {
        open_data();
        had_data_ = size_of(data_fd_) > 0;
        if (!fresh) read_state(offered.size);
    } catch (...) {  // the destructor does not run for a constructor that throws
        close_fd(data_fd_);
        throw;
    }
}

partial_file::~partial_file() {
    if (!committed_) {
        if (started_ && !discarded_) {
            keep_on_disk();
        } else if (discarded_ || !had_data_) {
            writer_.reset();
            remove_partial(where_.dir_fd, where_.name);
        } else {  // an earlier try's data, untouched this time (a no, or a sender that stopped)
            report_.folder = where_.name;
            report_.bytes = size_of(data_fd_);
        }
    }
    writer_.reset();
    close_fd(data_fd_);
}

void partial_file::open_data() {
    const auto shown = fmt::format("{}/{}", where_.shown_dir, where_.name);
    data_fd_ = ::openat(where_.fd, data_name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (data_fd_ < 0) io_failure(fmt::format("cannot create a file in {}", shown), errno);
}

// What an earlier try left: its state must be intact and this transfer's. The data file may
// hold more than the state says was synced: all of it counts while the system has not
// restarted since (the bytes are in the page cache if not on the disk), else only the synced.
void partial_file::read_state(std::uint64_t offered_size) {
    const int fd = ::openat(where_.fd, state_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    std::array<std::uint8_t, partial_state_size + 1> bytes{};
    std::size_t got = 0;
    while (got < bytes.size()) {
        const auto n = ::read(fd, bytes.data() + got, bytes.size() - got);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    const auto state = decode_state(byte_span(bytes).first(got));
    if (!state || state->id != id_) return;
    const auto on_disk = size_of(data_fd_);
    const auto boot = current_boot_id();
    const bool same_boot = boot == state->boot && boot != boot_id{};
    auto usable = same_boot ? on_disk : std::min(state->durable, on_disk);
    usable = std::min(usable, offered_size);
    kept_ = usable - usable % resume_alignment;
}

bool partial_file::hash_kept_step() {
    if (hashed_ == kept_) return true;
    if (buffer_.empty()) buffer_.resize(hash_step);
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(hash_step, kept_ - hashed_));
    std::size_t got = 0;
    while (got < want) {
        const auto n =
            ::pread(data_fd_, buffer_.data() + got, want - got, static_cast<off_t>(hashed_ + got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            io_failure(fmt::format("cannot read back {}/{}", where_.shown_dir, where_.name), errno);
        if (n == 0) {
            throw failure(exit_code::local_io, fmt::format("{}/{} changed while it was read back",
                                                           where_.shown_dir, where_.name));
        }
        got += static_cast<std::size_t>(n);
    }
    prefix_.update(byte_span(buffer_).first(got));
    hashed_ += got;
    return hashed_ == kept_;
}

void partial_file::start(std::uint64_t from) {
    if (started_ || (from != 0 && (from != kept_ || hashed_ != kept_))) {
        throw std::logic_error("partial_file: start where nothing was kept and hashed");
    }
    if (::ftruncate(data_fd_, static_cast<off_t>(from)) != 0) {
        io_failure(fmt::format("cannot write into {}", where_.shown_dir), errno);
    }
    // From here on a later try recognises it, even after kill -9; what it vouches for is synced.
    if (from > 0 && ::fdatasync(data_fd_) != 0) {
        io_failure(fmt::format("cannot flush {}/{} to disk", where_.shown_dir, where_.name), errno);
    }
    boot_ = current_boot_id();
    writer_ = std::make_unique<disk_writer>(data_fd_, where_.shown_dir);
    if (from > 0) writer_->start_at(from, prefix_);
    write_state(from);
    writer_->on_durable([this](std::uint64_t synced) { write_state(synced); }, sync_every_bytes,
                        std::chrono::duration_cast<std::chrono::milliseconds>(sync_every));
    started_ = true;
}

// Replaces the state file whole (a new file, synced, renamed over the old one), so that a
// crash leaves the old state or the new one. Best effort: without it a later try starts afresh.
void partial_file::write_state(std::uint64_t durable) const {
    const auto bytes = encode_state(partial_state{id_, durable, boot_});
    const int fd = ::openat(where_.fd, state_temp,
                            O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return;
    const bool written =
        ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) &&
        ::fdatasync(fd) == 0;
    ::close(fd);
    if (written) ::renameat(where_.fd, state_temp, where_.fd, state_name);
}

// Whatever was written so far goes to the disk and the state says so: all of it is resumable.
void partial_file::keep_on_disk() {
    if (writer_ && !writer_->finished()) {
        try {
            writer_->finish();
        } catch (const std::exception&) {  // a full disk: what is in the file is kept
        }
    }
    sync_failed_ = sync_failed_ || (writer_ && writer_->sync_failed());
    writer_.reset();
    const auto bytes = size_of(data_fd_);
    // After a failed sync the file may lack bytes it seems to hold, and a second sync would not
    // say so: nothing is kept.
    if (sync_failed_ || bytes == 0 || ::fdatasync(data_fd_) != 0) {
        remove_partial(where_.dir_fd, where_.name);
        return;
    }
    write_state(bytes);
    report_.folder = where_.name;
    report_.bytes = bytes;
}

bool partial_file::try_rename(const std::string& name) {
    if (::renameat2(where_.fd, data_name, where_.dir_fd, name.c_str(), RENAME_NOREPLACE) == 0) {
        return true;
    }
    if (errno == EINVAL || errno == ENOSYS) {  // no RENAME_NOREPLACE here: link cannot replace
        if (::linkat(where_.fd, data_name, where_.dir_fd, name.c_str(), 0) == 0) {
            ::unlinkat(where_.fd, data_name, 0);
            return true;
        }
    }
    if (errno == EEXIST) return false;
    io_failure(fmt::format("cannot save {}", printable(name)), errno);
}

// The data file leaves the staging folder under its final name (never replacing a file), the
// folder is synced, and the staging folder goes. If the sync fails the file goes back to the
// staging folder: not saved, yet kept for the next try.
std::string partial_file::commit(std::string_view name) {
    if (!writer_->finished()) writer_->finish();
    if (::fdatasync(data_fd_) != 0) {
        sync_failed_ = true;
        io_failure("cannot flush the received file to disk", errno);
    }
    auto saved = first_taken_name(name, [this](const std::string& n) { return try_rename(n); });
    if (::fsync(where_.dir_fd) != 0) {
        const int err = errno;
        ::renameat2(where_.dir_fd, saved.c_str(), where_.fd, data_name, RENAME_NOREPLACE);
        io_failure(
            fmt::format("cannot save {}: the folder could not be synced to disk", printable(saved)),
            err);
    }
    committed_ = true;
    remove_partial(where_.dir_fd, where_.name);
    return saved;
}

discarded_partials discard_partials(const std::filesystem::path& dir) {
    const auto shown = printable(dir.string());
    const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) io_failure(fmt::format("cannot open the folder {}", shown), errno);
    std::vector<std::string> folders;
    const int list_fd = ::dup(dir_fd);
    DIR* d = list_fd < 0 ? nullptr : ::fdopendir(list_fd);
    if (d == nullptr) {
        const int err = errno;
        if (list_fd >= 0) ::close(list_fd);
        ::close(dir_fd);
        io_failure(fmt::format("cannot list the folder {}", shown), err);
    }
    while (const dirent* e = ::readdir(d)) {
        if (std::string_view(e->d_name).starts_with(partial_prefix))
            folders.emplace_back(e->d_name);
    }
    ::closedir(d);
    discarded_partials out;
    for (const auto& folder : folders) {
        const int fd =
            ::openat(dir_fd, folder.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) continue;                       // not a folder: not ours
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {  // a receive that is still running
            ::close(fd);
            ++out.busy;
            continue;
        }
        struct stat st {};
        if (::fstatat(fd, data_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            out.bytes += static_cast<std::uint64_t>(st.st_size);
        }
        out.bytes += journal_bytes(fd);                     // a tree's
        const bool removed = remove_below(dir_fd, folder);  // still locked: nobody starts
        const int err = errno;
        ::close(fd);
        if (!removed) {
            ::close(dir_fd);
            io_failure(fmt::format("cannot remove {}/{}", shown, printable(folder)), err);
        }
        ++out.folders;
    }
    ::close(dir_fd);
    return out;
}

}  // namespace ferry::receiver
