#pragma once

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/crypto/spake2.hpp"
#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "common/session/code.hpp"
#include "common/session/record_channel.hpp"
#include "common/ui/exit_code.hpp"

namespace ferry {

enum class session_role { sender, receiver };

// Session-layer record types (the first payload byte), used before encryption is on.
inline constexpr std::uint8_t pake_record = 0x10;
inline constexpr std::uint8_t confirm_record = 0x11;

// SPAKE2 identities and key-derivation labels of protocol version 1 (docs/protocol.md).
inline constexpr std::string_view identity_sender = "ferry/1 sender";
inline constexpr std::string_view identity_receiver = "ferry/1 receiver";
inline constexpr std::string_view label_sender_to_receiver = "ferry/1 key sender->receiver";
inline constexpr std::string_view label_receiver_to_sender = "ferry/1 key receiver->sender";

// The scrypt salt that ties the password to this protocol version and nameplate.
std::string password_salt(std::uint32_t nameplate);

struct record_keys {
    record_key sender_to_receiver{};
    record_key receiver_to_sender{};
};
// HKDF-SHA256(IKM = Ke, salt = TT, info = label) for each direction.
record_keys derive_record_keys(const crypto::spake2_keys& keys);

// The SPAKE2 password scalar w of a code (§2.1): scrypt, the slow part of a key exchange (32 MiB
// and about 0.1 s). A share works it out once for all its receivers. Wiped when it goes.
class password_scalar {
  public:
    explicit password_scalar(const code& c);
    ~password_scalar();
    password_scalar(const password_scalar&) = delete;
    password_scalar& operator=(const password_scalar&) = delete;
    [[nodiscard]] std::span<const std::uint8_t> bytes() const { return w_; }

  private:
    std::array<std::uint8_t, crypto::spake2_scalar_size> w_;
};

// A share's sender, many key exchanges at once with one code: asked on the session's thread
// right before a receiver's confirmation is compared, nothing awaited in between, so that no
// more guesses are compared than the share has tries left. take() false: the confirmation is not
// compared and the exchange ends unanswered (guess_refused). settle() right after a comparison.
class guess_gate {
  public:
    virtual ~guess_gate() = default;
    virtual bool take() = 0;
    virtual void settle(bool matched) = 0;
};

// A confirmation the share did not compare: it takes no more guesses (it is closing).
class guess_refused : public failure {
  public:
    using failure::failure;
};

// The session layer, run right after the relay says PAIRED: SPAKE2 keyed by the whole code, both
// key-confirmation MACs exchanged and checked, then a record channel encrypted with one
// AES-256-GCM key per direction. A code that does not match is failure(wrong_code) on both sides.
// `scalar` fixes the SPAKE2 private scalar (worked examples in tests only).
awaitable<std::unique_ptr<record_channel>> open_session(
    tcp::socket& socket, deadline& activity, session_role role, const code& c,
    std::optional<std::span<const std::uint8_t>> scalar = std::nullopt);
// The same with w worked out already (a share's receivers, each with the share's gate).
awaitable<std::unique_ptr<record_channel>> open_session(tcp::socket& socket, deadline& activity,
                                                        session_role role, const password_scalar& w,
                                                        guess_gate* gate = nullptr);

}  // namespace ferry
