#include "receiver/tree_journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "common/crypto/sha256.hpp"
#include "common/ui/exit_code.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry::receiver {

namespace {

using namespace std::chrono_literals;

constexpr std::array<std::uint8_t, 4> journal_magic{'F', 'R', 'P', 'T'};
constexpr std::uint8_t journal_version = 1;
constexpr const char* journal_name = "journal";
constexpr std::size_t record_overhead = 1 + 4 + 16;
// A digest and the largest ENTRY (two paths of max_path_bytes).
constexpr std::size_t max_body = 32 + 24 + 2 * msg::max_path_bytes;
constexpr std::size_t write_every = 4096;
constexpr auto write_within = 50ms;  // what a kill -9 loses at most
constexpr std::uint64_t sync_every_bytes = std::uint64_t{64} << 20U;
constexpr auto sync_every = 2s;
constexpr std::size_t max_journal_bytes = std::size_t{1} << 30U;

journal_check next_check(const journal_check& previous, byte_span head, byte_span body) {
    sha256 h;
    h.update(previous);
    h.update(head);
    h.update(body);
    const auto d = h.finish();
    journal_check out{};
    std::copy_n(d.begin(), out.size(), out.begin());
    return out;
}

// An entry record's body: the digest, then an ENTRY; nullopt for anything else.
std::optional<journal_entry> entry_of(byte_span body) {
    if (body.size() < 33) return std::nullopt;
    journal_entry out;
    std::copy_n(body.begin(), out.sha256.size(), out.sha256.begin());
    const auto wire = body.subspan(32);
    try {
        auto m = msg::decode(wire);
        auto* e = std::get_if<msg::entry>(&m);
        if (e == nullptr) return std::nullopt;
        out.entry = std::move(*e);
    } catch (const wire_error&) {
        return std::nullopt;
    }
    out.wire.assign(wire.begin(), wire.end());
    return out;
}

// The whole file, up to a bound no real journal reaches (a million entries take about 100 MiB).
std::vector<std::uint8_t> read_all(int fd) {
    std::vector<std::uint8_t> bytes;
    std::array<std::uint8_t, 65536> chunk{};
    while (bytes.size() <= max_journal_bytes) {
        const auto n = ::read(fd, chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + n);
    }
    return bytes;
}

}  // namespace

journal_check journal_seed(const transfer_id& id) {
    sha256 h;
    h.update(as_bytes(std::string_view("ferry/1 journal")));
    h.update(id);
    const auto d = h.finish();
    journal_check out{};
    std::copy_n(d.begin(), out.size(), out.begin());
    return out;
}

std::vector<std::uint8_t> encode_journal_header(const transfer_id& id, const boot_id& boot) {
    std::vector<std::uint8_t> out(journal_magic.begin(), journal_magic.end());
    out.push_back(journal_version);
    out.insert(out.end(), id.begin(), id.end());
    out.insert(out.end(), boot.begin(), boot.end());
    return out;
}

void append_journal_record(std::vector<std::uint8_t>& out, journal_check& check, std::uint8_t kind,
                           byte_span body) {
    std::array<std::uint8_t, 5> head{kind};
    put_u32(head.data() + 1, static_cast<std::uint32_t>(body.size()));
    check = next_check(check, head, body);
    out.insert(out.end(), head.begin(), head.end());
    out.insert(out.end(), body.begin(), body.end());
    out.insert(out.end(), check.begin(), check.end());
}

std::optional<journal_contents> decode_journal(byte_span bytes) {
    if (bytes.size() < journal_header_size ||
        !std::equal(journal_magic.begin(), journal_magic.end(), bytes.begin()) ||
        bytes[4] != journal_version) {
        return std::nullopt;
    }
    journal_contents out;
    std::copy_n(bytes.begin() + 5, out.id.size(), out.id.begin());
    std::copy_n(bytes.begin() + 37, out.boot.size(), out.boot.begin());
    auto check = journal_seed(out.id);
    for (std::size_t at = journal_header_size; bytes.size() - at >= record_overhead;) {
        const auto kind = bytes[at];
        const auto length = get_u32(bytes.data() + at + 1);
        if (length > max_body || bytes.size() - at - record_overhead < length) break;
        const auto head = bytes.subspan(at, 5);
        const auto body = bytes.subspan(at + 5, length);
        const auto after = next_check(check, head, body);
        if (!std::equal(after.begin(), after.end(), bytes.subspan(at + 5 + length).begin())) break;
        at += record_overhead + length;
        check = after;
        if (kind == journal_synced_kind && length == 0) {
            out.synced = out.entries.size();
            continue;
        }
        auto e = kind == journal_entry_kind ? entry_of(body) : std::nullopt;
        if (!e) break;
        e->end = at;
        e->check = check;
        out.entries.push_back(std::move(*e));
    }
    return out;
}

tree_journal::tree_journal(int folder_fd, const transfer_id& id, std::string shown)
    : folder_fd_(folder_fd), id_(id), shown_(std::move(shown)) {
    fd_ = ::openat(folder_fd_, journal_name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd_ < 0) fail("create the journal in", errno);
    read_back();
}

tree_journal::~tree_journal() {
    try {
        if (started_) flush();  // what is gathered, unmarked: it counts until a restart
    } catch (const failure&) {  // a full disk: those entries are sent again
    }
    if (fd_ >= 0) ::close(fd_);
}

void tree_journal::read_back() {
    auto contents = decode_journal(read_all(fd_));
    if (!contents || contents->id != id_) return;
    const auto boot = current_boot_id();
    // Without a restart every byte a write(2) put in a file is still there, synced or not.
    const bool same_boot = boot == contents->boot && boot != boot_id{};
    if (!same_boot) contents->entries.resize(contents->synced);
    loaded_ = std::move(contents->entries);
}

void tree_journal::start(std::size_t n) {
    n = std::min(n, loaded_.size());
    length_ = n == 0 ? journal_header_size : loaded_[n - 1].end;
    check_ = n == 0 ? journal_seed(id_) : loaded_[n - 1].check;
    entries_ = n;
    bytes_ = 0;
    for (std::size_t i = 0; i < n; ++i)
        bytes_ += loaded_[i].entry.size;
    const auto header = encode_journal_header(id_, current_boot_id());
    if (::ftruncate(fd_, static_cast<off_t>(length_)) != 0 ||
        ::pwrite(fd_, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size())) {
        fail("write the journal in", errno);
    }
    started_ = true;
    sync_and_mark();
    flush();
}

void tree_journal::entry_done(byte_span entry_wire, const msg::digest& file_digest,
                              std::uint64_t size) {
    std::array<std::uint8_t, max_body> body{};
    const auto n = std::min(entry_wire.size(), max_body - 32);
    std::copy(file_digest.begin(), file_digest.end(), body.begin());
    std::copy_n(entry_wire.begin(), n, body.begin() + 32);
    append_journal_record(pending_, check_, journal_entry_kind, byte_span(body).first(32 + n));
    ++entries_;
    bytes_ += size;
    if (pending_.size() >= write_every ||
        std::chrono::steady_clock::now() - written_at_ >= write_within) {
        flush();
    }
    wrote(0);
}

void tree_journal::wrote(std::uint64_t bytes) {
    unsynced_ += bytes;
    if (unsynced_ >= sync_every_bytes ||
        std::chrono::steady_clock::now() - synced_at_ >= sync_every) {
        sync_and_mark();
    }
}

// The records go out first, so the sync covers them too; a mark is only written after it.
void tree_journal::sync_and_mark() {
    flush();
    if (::syncfs(folder_fd_) != 0) {
        sync_failed_ = true;
        fail("write the files to disk in", errno);
    }
    append_journal_record(pending_, check_, journal_synced_kind, {});
    unsynced_ = 0;
    synced_at_ = std::chrono::steady_clock::now();
}

void tree_journal::flush() {
    for (std::size_t done = 0; done < pending_.size();) {
        const auto n = ::pwrite(fd_, pending_.data() + done, pending_.size() - done,
                                static_cast<off_t>(length_ + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail("write the journal in", n < 0 ? errno : ENOSPC);
        done += static_cast<std::size_t>(n);
    }
    length_ += pending_.size();
    pending_.clear();
    written_at_ = std::chrono::steady_clock::now();
}

bool tree_journal::finish_kept() {
    if (!started_ || sync_failed_) return false;
    try {
        sync_and_mark();
        flush();
    } catch (const failure&) {
        return !sync_failed_;  // a mark not written costs only the time since the last one
    }
    return true;
}

void tree_journal::fail(const char* doing, int err) {
    throw failure(exit_code::local_io,
                  fmt::format("cannot {} {}: {}", doing, shown_, std::strerror(err)));
}

std::uint64_t journal_bytes(int folder_fd) {
    const int fd = ::openat(folder_fd, journal_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return 0;
    const auto contents = decode_journal(read_all(fd));
    ::close(fd);
    std::uint64_t total = 0;
    if (contents) {
        for (const auto& e : contents->entries)
            total += e.entry.size;
    }
    return total;
}

std::vector<std::string> journal_items(int folder_fd) {
    const int fd = ::openat(folder_fd, journal_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return {};
    const auto contents = decode_journal(read_all(fd));
    ::close(fd);
    std::vector<std::string> names;
    if (!contents) return names;
    for (const auto& e : contents->entries) {
        auto top = e.entry.path.substr(0, e.entry.path.find('/'));
        if (std::find(names.begin(), names.end(), top) == names.end())
            names.push_back(std::move(top));
    }
    return names;
}

}  // namespace ferry::receiver
