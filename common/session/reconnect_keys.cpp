#include "common/session/reconnect_keys.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/crypto/hkdf.hpp"
#include "common/session/session.hpp"
#include "common/ui/exit_code.hpp"

namespace ferry {

reconnect_secret::~reconnect_secret() {
    OPENSSL_cleanse(secret.data(), secret.size());
}

reconnect_secret derive_reconnect_secret(const crypto::spake2_keys& keys) {
    reconnect_secret out;
    hkdf_sha256(keys.ke, keys.transcript, label_reconnect, out.secret);
    hkdf_sha256(out.secret, {}, label_rendezvous_id, out.id);
    return out;
}

record_keys derive_reconnect_keys(const reconnect_secret& s, const reconnect_nonce& from_sender,
                                  const reconnect_nonce& from_receiver) {
    std::array<std::uint8_t, 2 * reconnect_nonce_size> salt{};
    std::copy(from_sender.begin(), from_sender.end(), salt.begin());
    std::copy(from_receiver.begin(), from_receiver.end(), salt.begin() + reconnect_nonce_size);
    record_keys out;
    hkdf_sha256(s.secret, salt, label_reconnect_sender_to_receiver, out.sender_to_receiver);
    hkdf_sha256(s.secret, salt, label_reconnect_receiver_to_sender, out.receiver_to_sender);
    return out;
}

reconnect_nonce random_reconnect_nonce() {
    reconnect_nonce n{};
    if (RAND_bytes(n.data(), static_cast<int>(n.size())) != 1) {
        throw failure(exit_code::internal, "OpenSSL failed: RAND_bytes");
    }
    return n;
}

}  // namespace ferry
