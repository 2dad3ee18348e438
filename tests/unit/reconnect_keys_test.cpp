// The reconnect key schedule: fresh keys per connection and direction, never the first
// session's; a record recorded under old keys fails authentication under new ones.
#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include "common/crypto/record_cipher.hpp"
#include "common/crypto/spake2.hpp"
#include "common/session/reconnect_keys.hpp"
#include "common/session/session.hpp"
#include "common/wire/wire_error.hpp"

using namespace ferry;

namespace {

crypto::spake2_keys session_keys() {
    crypto::spake2_keys k;
    k.ke.fill(0x11);
    k.transcript = std::vector<std::uint8_t>(100, 0x22);
    return k;
}

// A record sealed with `key` (header as AAD), opened with `other`.
bool opens_with(const record_key& key, const record_key& other) {
    record_cipher seal(key, record_cipher::mode::seal);
    record_cipher open(other, record_cipher::mode::open);
    std::array<std::uint8_t, 4> header{0, 0, 0, 21};
    std::array<std::uint8_t, 5> data{'h', 'e', 'l', 'l', 'o'};
    std::array<std::uint8_t, record_tag_size> tag{};
    seal.seal(header, data, tag);
    try {
        open.open(header, data, tag);
        return true;
    } catch (const integrity_error&) {
        return false;
    }
}

}  // namespace

TEST_CASE("reconnected keys differ from the session's and from each other", "[crypto]") {
    const auto keys = session_keys();
    const auto first = derive_record_keys(keys);
    const auto secret = derive_reconnect_secret(keys);
    const auto n1 = random_reconnect_nonce();
    const auto n2 = random_reconnect_nonce();
    const auto n3 = random_reconnect_nonce();
    CHECK(n1 != n2);
    const auto again = derive_reconnect_keys(secret, n1, n2);
    const auto third = derive_reconnect_keys(secret, n1, n3);  // a new receiver nonce alone
    const std::vector<record_key> all{first.sender_to_receiver, first.receiver_to_sender,
                                      again.sender_to_receiver, again.receiver_to_sender,
                                      third.sender_to_receiver, third.receiver_to_sender};
    for (std::size_t i = 0; i < all.size(); ++i) {
        for (std::size_t j = i + 1; j < all.size(); ++j)
            CHECK(all[i] != all[j]);
    }
    // Both sides derive the same: the same inputs give the same keys.
    const auto same = derive_reconnect_keys(secret, n1, n2);
    CHECK(same.sender_to_receiver == again.sender_to_receiver);
    CHECK(same.receiver_to_sender == again.receiver_to_sender);
    // The rendezvous id says nothing of the record keys: it is neither.
    CHECK(std::vector<std::uint8_t>(secret.id.begin(), secret.id.end()) !=
          std::vector<std::uint8_t>(first.sender_to_receiver.begin(),
                                    first.sender_to_receiver.begin() + 16));
}

TEST_CASE("a record from the first connection replayed into a reconnected one fails", "[crypto]") {
    const auto keys = session_keys();
    const auto first = derive_record_keys(keys);
    const auto secret = derive_reconnect_secret(keys);
    const auto again =
        derive_reconnect_keys(secret, random_reconnect_nonce(), random_reconnect_nonce());
    CHECK(opens_with(first.sender_to_receiver, first.sender_to_receiver));
    CHECK_FALSE(opens_with(first.sender_to_receiver, again.sender_to_receiver));
    CHECK_FALSE(opens_with(again.receiver_to_sender, again.sender_to_receiver));
    const auto later =
        derive_reconnect_keys(secret, random_reconnect_nonce(), random_reconnect_nonce());
    CHECK_FALSE(opens_with(again.sender_to_receiver, later.sender_to_receiver));
}
