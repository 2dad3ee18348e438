#include "common/session/session.hpp"

#include <algorithm>
#include <array>

#include <openssl/crypto.h>

#include "common/crypto/hkdf.hpp"
#include "common/crypto/spake2.hpp"
#include "common/session/reconnect_keys.hpp"
#include "common/ui/exit_code.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry {

namespace {

using crypto::spake2;

// Receives one session-layer record of the given type and exact body size.
awaitable<byte_span> receive_session_record(record_channel& channel, std::uint8_t type,
                                            std::size_t size, const char* what) {
    const auto payload = co_await channel.receive();
    if (payload.size() != 1 + size || payload[0] != type) {
        throw wire_error(std::string("the peer did not send a valid ") + what);
    }
    co_return payload.subspan(1);
}

awaitable<void> send_session_record(record_channel& channel, std::uint8_t type, byte_span body) {
    auto out = channel.prepare();
    out[0] = type;
    std::copy(body.begin(), body.end(), out.begin() + 1);
    co_await channel.send(1 + body.size());
}

[[noreturn]] void throw_wrong_code() {
    throw failure(exit_code::wrong_code,
                  "wrong code (or someone tried to guess it); nothing was transferred. "
                  "Check the code and start again: the sender needs a new one");
}

void check_confirmation(byte_span received, byte_span expected) {
    if (!crypto::constant_time_equal(received, expected)) throw_wrong_code();
}

// The sender's side: compared only if the gate (if any) still takes a guess.
void check_guess(byte_span received, byte_span expected, guess_gate* gate) {
    if (gate == nullptr) return check_confirmation(received, expected);
    if (!gate->take()) {
        throw guess_refused(exit_code::peer, "the share takes no more guesses: it is closing");
    }
    const bool matched = crypto::constant_time_equal(received, expected);
    gate->settle(matched);
    if (!matched) throw_wrong_code();
}

// The SPAKE2 side of this session; the object keeps its own copy of w until finish().
spake2 start_key_exchange(session_role role, const password_scalar& w,
                          std::optional<std::span<const std::uint8_t>> scalar) {
    return spake2(role == session_role::sender ? crypto::spake2_role::a : crypto::spake2_role::b,
                  w.bytes(), identity_sender, identity_receiver, scalar);
}

}  // namespace

record_keys derive_record_keys(const crypto::spake2_keys& keys) {
    record_keys out;
    hkdf_sha256(keys.ke, keys.transcript, label_sender_to_receiver, out.sender_to_receiver);
    hkdf_sha256(keys.ke, keys.transcript, label_receiver_to_sender, out.receiver_to_sender);
    return out;
}

std::string password_salt(std::uint32_t nameplate) {
    return "ferry/1 nameplate " + std::to_string(nameplate);
}

namespace {

awaitable<std::unique_ptr<record_channel>> open_session_with(
    tcp::socket& socket, deadline& activity, session_role role, const password_scalar& w,
    std::optional<std::span<const std::uint8_t>> scalar, guess_gate* gate) {
    auto channel = std::make_unique<record_channel>(socket, activity);
    const bool is_sender = role == session_role::sender;

    // The password is the whole normalised code, nameplate included; the relay only ever sees
    // the nameplate, so it cannot test guesses offline against anything it saw.
    auto pake = start_key_exchange(role, w, scalar);
    const auto mine = pake.my_message();
    co_await send_session_record(*channel, pake_record, mine);
    const auto theirs = co_await receive_session_record(
        *channel, pake_record, crypto::spake2_message_size, "key exchange message");
    crypto::spake2_keys keys;
    try {
        keys = pake.finish(theirs);
    } catch (const crypto::spake2_error& e) {
        throw wire_error(std::string("bad key exchange message: ") + e.what());
    }

    // Confirmations, before anything else is said. The receiver confirms first; the sender
    // answers only once that confirmation checks out, so a fake receiver learns nothing it could
    // test a guess against. The receiver's confirmation does let a fake sender test one guess
    // offline, so a receiver whose peer vanishes right after it is as loud as a wrong code.
    bool confirmed_first = false;
    try {
        if (is_sender) {
            const auto theirs_mac = co_await receive_session_record(
                *channel, confirm_record, keys.mac_b.size(), "confirmation");
            check_guess(theirs_mac, keys.mac_b, gate);
            co_await send_session_record(*channel, confirm_record, keys.mac_a);
        } else {
            co_await send_session_record(*channel, confirm_record, keys.mac_b);
            confirmed_first = true;
            const auto theirs_mac = co_await receive_session_record(
                *channel, confirm_record, keys.mac_a.size(), "confirmation");
            check_confirmation(theirs_mac, keys.mac_a);
        }
    } catch (const connection_closed&) {
        if (!confirmed_first) throw;
        // From here a wrong code and a sender that stopped look the same: say both.
        throw failure(exit_code::wrong_code,
                      "the key exchange failed: either a wrong code (or someone tried to guess "
                      "it), or the sender stopped during the key exchange. Nothing was "
                      "transferred. Check the code: a share's code keeps working, try it again; "
                      "`ferry send` stops at a wrong code, so ask the sender to send again");
    }

    auto record = derive_record_keys(keys);
    channel->keep_for_reconnect(derive_reconnect_secret(keys));
    keys.wipe();  // the transcript holds w
    if (is_sender) {
        channel->encrypt(record.sender_to_receiver, record.receiver_to_sender);
    } else {
        channel->encrypt(record.receiver_to_sender, record.sender_to_receiver);
    }
    OPENSSL_cleanse(&record, sizeof record);
    co_return channel;
}

}  // namespace

password_scalar::password_scalar(const code& c)
    : w_(crypto::spake2_password_scalar(c.text(), password_salt(c.nameplate))) {}

password_scalar::~password_scalar() {
    OPENSSL_cleanse(w_.data(), w_.size());
}

awaitable<std::unique_ptr<record_channel>> open_session(
    tcp::socket& socket, deadline& activity, session_role role, const code& c,
    std::optional<std::span<const std::uint8_t>> scalar) {
    const password_scalar w(c);
    co_return co_await open_session_with(socket, activity, role, w, scalar, nullptr);
}

awaitable<std::unique_ptr<record_channel>> open_session(tcp::socket& socket, deadline& activity,
                                                        session_role role, const password_scalar& w,
                                                        guess_gate* gate) {
    co_return co_await open_session_with(socket, activity, role, w, std::nullopt, gate);
}

}  // namespace ferry
