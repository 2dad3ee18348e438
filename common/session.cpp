#include "common/session.hpp"

#include <algorithm>

#include <openssl/crypto.h>

#include "common/exit_code.hpp"
#include "common/spake2.hpp"
#include "common/wire_error.hpp"

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

awaitable<std::unique_ptr<record_channel>> open_session(
    tcp::socket& socket, deadline& activity, session_role role, const code& c,
    std::optional<std::span<const std::uint8_t>> scalar) {
    auto channel = std::make_unique<record_channel>(socket, activity);
    const bool is_sender = role == session_role::sender;

    // The password is the whole normalised code, nameplate included; the relay only ever sees
    // the nameplate, so it cannot test guesses offline against anything it saw.
    const auto w = crypto::spake2_password_scalar(c.text(), password_salt(c.nameplate));
    spake2 pake(is_sender ? crypto::spake2_role::a : crypto::spake2_role::b, w, identity_sender,
                identity_receiver, scalar);
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

    // Both confirmations are exchanged before anything else is said: a wrong code is found here,
    // on both sides, after exactly one guess.
    const auto& my_mac = is_sender ? keys.mac_a : keys.mac_b;
    const auto& their_expected = is_sender ? keys.mac_b : keys.mac_a;
    co_await send_session_record(*channel, confirm_record, my_mac);
    const auto their_mac =
        co_await receive_session_record(*channel, confirm_record, my_mac.size(), "confirmation");
    if (!crypto::constant_time_equal(their_mac, their_expected)) {
        throw failure(exit_code::wrong_code,
                      "wrong code (or someone tried to guess it); nothing was transferred. "
                      "Check the code and start again: the sender needs a new one");
    }

    auto record = derive_record_keys(keys);
    if (is_sender) {
        channel->encrypt(record.sender_to_receiver, record.receiver_to_sender);
    } else {
        channel->encrypt(record.receiver_to_sender, record.sender_to_receiver);
    }
    OPENSSL_cleanse(&record, sizeof record);
    co_return channel;
}

}  // namespace ferry
