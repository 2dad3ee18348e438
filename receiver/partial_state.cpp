#include "receiver/partial_state.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "common/crypto/sha256.hpp"
#include "common/wire/cursor.hpp"

namespace ferry::receiver {

namespace {

constexpr std::array<std::uint8_t, 4> state_magic{'F', 'R', 'P', 'S'};
constexpr std::uint8_t state_version = 1;
constexpr std::size_t checked_size = partial_state_size - 32;

sha256_digest digest_of(byte_span bytes) {
    sha256 h;
    h.update(bytes);
    return h.finish();
}

}  // namespace

transfer_id transfer_id_of(const msg::offer& offered) {
    sha256 h;
    h.update(as_bytes(std::string_view("ferry/1 partial")));
    h.update(msg::encode(offered));
    return h.finish();
}

namespace {

void hash_name(sha256& h, std::string_view name) {
    std::array<std::uint8_t, 2> length{};
    put_u16(length.data(), static_cast<std::uint16_t>(name.size()));
    h.update(length);
    h.update(as_bytes(name));
}

}  // namespace

transfer_id partial_id_of(const msg::offer& offered) {
    sha256 h;
    if (offered.kind != static_cast<std::uint8_t>(msg::offer_kind::tree)) {
        h.update(as_bytes(std::string_view("ferry/1 partial file")));
        hash_name(h, offered.name);
        return h.finish();
    }
    h.update(as_bytes(std::string_view("ferry/1 partial tree")));
    for (const auto& item : offered.items) {
        const std::array<std::uint8_t, 1> type{static_cast<std::uint8_t>(item.type)};
        h.update(type);
        hash_name(h, item.name);
    }
    return h.finish();
}

boot_id current_boot_id() {
    boot_id out{};
    const int fd = ::open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    std::array<char, 64> text{};
    const auto n = ::read(fd, text.data(), text.size());
    ::close(fd);
    if (n >= static_cast<ssize_t>(out.size())) std::copy_n(text.begin(), out.size(), out.begin());
    return out;
}

std::array<std::uint8_t, partial_state_size> encode_state(const partial_state& s) {
    wire::writer w(partial_state_size);
    w.bytes(state_magic).u8(state_version).bytes(s.id).u64(s.durable);
    w.chars(std::string_view(s.boot.data(), s.boot.size()), s.boot.size());
    const auto check = digest_of(w.written());
    w.bytes(check);
    std::array<std::uint8_t, partial_state_size> out{};
    std::ranges::copy(w.written(), out.begin());
    return out;
}

std::optional<partial_state> decode_state(byte_span bytes) {
    if (bytes.size() != partial_state_size) return std::nullopt;
    const auto check = digest_of(bytes.first(checked_size));
    if (!std::equal(check.begin(), check.end(), bytes.begin() + checked_size)) return std::nullopt;
    wire::reader r(bytes.first(checked_size), "partial state");
    if (!std::ranges::equal(r.take(state_magic.size(), "magic"), state_magic)) return std::nullopt;
    if (r.u8("version") != state_version) return std::nullopt;
    partial_state s;
    r.fill(s.id, "transfer id");
    s.durable = r.u64("durable size");
    std::ranges::copy(r.take(s.boot.size(), "boot id"), s.boot.begin());
    return s;
}

}  // namespace ferry::receiver
