#include "sender/share_digests.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"

namespace ferry::sender {

namespace {

constexpr std::size_t read_size = std::size_t{1} << 20U;

std::int64_t nanoseconds(const timespec& t) {
    return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// Closes the descriptor however hashing ends.
struct fd_guard {
    int fd;
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

file_identity identity_of(const struct stat& st) {
    return file_identity{st.st_dev, st.st_ino, static_cast<std::uint64_t>(st.st_size),
                         nanoseconds(st.st_mtim), nanoseconds(st.st_ctim)};
}

share_digests::share_digests(const tree_plan& share)
    : share_(share), slots_(share.entries.size()) {}

share_digests::~share_digests() {
    stop();
    if (thread_.joinable()) thread_.join();
}

void share_digests::stop() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
        stopping_ = true;
    }
    changed_.notify_all();
}

void share_digests::want(std::uint32_t index) {
    {
        const std::lock_guard lock(mutex_);
        if (slots_.at(index).now != state::unknown) return;
        wanted_.push_back(index);
        waiting_wanted_ = wanted_.size();
        if (!started_) {
            started_ = true;
            thread_ = std::thread([this] { run(); });
        }
    }
    changed_.notify_all();
}

sha256_digest share_digests::digest(std::uint32_t index, const file_identity& opened) {
    const auto& e = share_.entries.at(index);
    for (int tries = 0;; ++tries) {
        want(index);
        std::unique_lock lock(mutex_);
        auto& s = slots_[index];
        changed_.wait(lock,
                      [&] { return stop_ || s.now == state::done || s.now == state::failed; });
        if (stop_) {
            throw failure(
                exit_code::local_io,
                fmt::format("{} was not hashed: the share is stopping", printable(e.path)));
        }
        // Hashed as another file than this reader's (a chmod, a touch since), or it failed (a
        // passing error): hashed again, once, for this reader.
        if (tries == 0 && (s.now == state::failed || !(s.identity == opened))) {
            s.now = state::unknown;
            failures_.erase(index);
            continue;
        }
        if (s.now == state::failed) throw failure(exit_code::local_io, failures_.at(index));
        if (s.identity == opened) return s.digest;
        throw failure(exit_code::local_io,
                      fmt::format("{} changed while it was being sent; the transfer stopped and "
                                  "nothing was saved on the other side: take it again",
                                  printable(e.path)));
    }
}

share_digests::counts share_digests::hashed() const {
    const std::lock_guard lock(mutex_);
    return hashed_;
}

void share_digests::run() {
    std::vector<std::uint8_t> buffer(read_size);
    for (;;) {
        std::optional<std::uint32_t> next;
        bool wanted = false;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] {
                wanted = !wanted_.empty();
                return stop_ || (next = pick()).has_value();
            });
            if (stop_) return;
            slots_[*next].now = state::hashing;
        }
        try {
            if (hash(*next, wanted, buffer)) continue;
            const std::lock_guard lock(mutex_);
            if (slots_[*next].now == state::hashing) slots_[*next].now = state::unknown;
            if (ahead_ > *next) ahead_ = *next;  // taken up again after the wanted ones
        } catch (const failure& f) {
            fail(*next, f.what());
        }
    }
}

// Under the lock: a wanted file first, else the next in walk order; none once all are done.
std::optional<std::uint32_t> share_digests::pick() {
    while (!wanted_.empty()) {
        const auto index = wanted_.front();
        wanted_.pop_front();
        waiting_wanted_ = wanted_.size();
        if (slots_[index].now == state::unknown) return index;
    }
    for (; ahead_ < slots_.size(); ++ahead_) {
        if (share_.entries[ahead_].type == msg::entry_type::file &&
            slots_[ahead_].now == state::unknown) {
            return ahead_;
        }
    }
    return std::nullopt;
}

// A file hashed ahead of the readers gives way as soon as one waits for another; any gives way
// to a stop.
bool share_digests::should_yield(bool wanted) const {
    return stopping_ || (!wanted && waiting_wanted_ > 0);
}

bool share_digests::hash(std::uint32_t index, bool wanted, std::vector<std::uint8_t>& buffer) {
    const auto& e = share_.entries[index];
    const auto path = share_.local_path(e);
    const bool top_level = e.named;
    const fd_guard file{
        ::open(path.c_str(), O_RDONLY | (top_level ? 0 : O_NOFOLLOW) | O_NONBLOCK | O_CLOEXEC)};
    const auto shown = printable(e.path);
    if (file.fd < 0) {
        throw failure(exit_code::local_io,
                      fmt::format("cannot open {}: {}", shown, std::strerror(errno)));
    }
    struct stat before {};
    if (::fstat(file.fd, &before) != 0 || !S_ISREG(before.st_mode) || before.st_dev != e.dev ||
        before.st_ino != e.ino || static_cast<std::uint64_t>(before.st_size) != e.size) {
        throw failure(exit_code::local_io, fmt::format("{} changed since the share began", shown));
    }
    sha256 h;
    for (std::uint64_t at = 0; at < e.size;) {
        if (should_yield(wanted)) return false;
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(read_size, e.size - at));
        const auto r = ::pread(file.fd, buffer.data(), want, static_cast<off_t>(at));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            throw failure(exit_code::local_io,
                          fmt::format("cannot read {}: {}", shown, std::strerror(errno)));
        }
        if (r == 0) throw failure(exit_code::local_io, fmt::format("{} shrank", shown));
        h.update(byte_span(buffer).first(static_cast<std::size_t>(r)));
        at += static_cast<std::uint64_t>(r);
    }
    struct stat after {};
    if (::fstat(file.fd, &after) != 0 || !(identity_of(after) == identity_of(before))) {
        throw failure(exit_code::local_io,
                      fmt::format("{} changed while it was being hashed", shown));
    }
    finish(index, identity_of(before), h.finish());
    return true;
}

void share_digests::finish(std::uint32_t index, const file_identity& identity,
                           const sha256_digest& digest) {
    {
        const std::lock_guard lock(mutex_);
        auto& s = slots_[index];
        s.identity = identity;
        s.digest = digest;
        s.now = state::done;
        ++hashed_.files;
        hashed_.bytes += identity.size;
    }
    changed_.notify_all();
}

void share_digests::fail(std::uint32_t index, std::string why) {
    {
        const std::lock_guard lock(mutex_);
        failures_[index] = std::move(why);
        slots_[index].now = state::failed;
    }
    changed_.notify_all();
}

}  // namespace ferry::sender
