#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "common/crypto/record_cipher.hpp"
#include "common/crypto/spake2.hpp"
#include "common/wire/bytes.hpp"

namespace ferry {

struct record_keys;

// Labels of the reconnect key schedule (docs/protocol.md §2.3).
inline constexpr std::string_view label_reconnect = "ferry/1 reconnect";
inline constexpr std::string_view label_rendezvous_id = "ferry/1 rendezvous id";
inline constexpr std::string_view label_reconnect_sender_to_receiver =
    "ferry/1 reconnect sender->receiver";
inline constexpr std::string_view label_reconnect_receiver_to_sender =
    "ferry/1 reconnect receiver->sender";

inline constexpr std::size_t reconnect_nonce_size = 32;
using reconnect_nonce = std::array<std::uint8_t, reconnect_nonce_size>;
inline constexpr std::size_t rendezvous_id_size = 16;
using rendezvous_id = std::array<std::uint8_t, rendezvous_id_size>;

// What a session keeps to be keyed again after its connection broke: a secret derived from the
// key exchange (never the code, never the record keys), and the identifier both sides give the
// relay to find each other again, derived from that secret (the relay learns nothing it could
// use). Wiped when destroyed.
struct reconnect_secret {
    std::array<std::uint8_t, 32> secret{};
    rendezvous_id id{};

    reconnect_secret() = default;
    ~reconnect_secret();
    reconnect_secret(const reconnect_secret&) = default;
    reconnect_secret& operator=(const reconnect_secret&) = default;
};

// secret = HKDF-SHA256(IKM = Ke, salt = TT, info = "ferry/1 reconnect");
// id = HKDF-SHA256(IKM = secret, salt = "", info = "ferry/1 rendezvous id"), 16 bytes.
reconnect_secret derive_reconnect_secret(const crypto::spake2_keys& keys);

// The record keys of a reconnected connection: HKDF-SHA256(IKM = secret, salt = sender's nonce
// || receiver's nonce, info = one label per direction). Both nonces are fresh for every
// connection, so no key (and no nonce under a key) is ever used twice.
record_keys derive_reconnect_keys(const reconnect_secret& s, const reconnect_nonce& from_sender,
                                  const reconnect_nonce& from_receiver);

// A fresh nonce from OpenSSL's CSPRNG.
reconnect_nonce random_reconnect_nonce();

}  // namespace ferry
