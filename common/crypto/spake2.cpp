#include "common/crypto/spake2.hpp"

#include "common/crypto/hkdf.hpp"
#include "common/crypto/record_cipher.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include <algorithm>
#include <string>
#include <utility>

namespace ferry::crypto {

namespace {

template <auto Free>
struct openssl_deleter {
    template <typename T>
    void operator()(T* p) const noexcept {
        Free(p);
    }
};

using bn_ptr = std::unique_ptr<BIGNUM, openssl_deleter<BN_clear_free>>;
using bn_ctx_ptr = std::unique_ptr<BN_CTX, openssl_deleter<BN_CTX_free>>;
using ec_group_ptr = std::unique_ptr<EC_GROUP, openssl_deleter<EC_GROUP_free>>;
using ec_point_ptr = std::unique_ptr<EC_POINT, openssl_deleter<EC_POINT_clear_free>>;
using kdf_ptr = std::unique_ptr<EVP_KDF, openssl_deleter<EVP_KDF_free>>;
using kdf_ctx_ptr = std::unique_ptr<EVP_KDF_CTX, openssl_deleter<EVP_KDF_CTX_free>>;
using mac_ptr = std::unique_ptr<EVP_MAC, openssl_deleter<EVP_MAC_free>>;
using mac_ctx_ptr = std::unique_ptr<EVP_MAC_CTX, openssl_deleter<EVP_MAC_CTX_free>>;

constexpr std::size_t hash_size = 32;
constexpr std::size_t scrypt_output_size = 48;
constexpr char confirmation_info[] = "ConfirmationKeys";

[[noreturn]] void fail(const std::string& what) {
    ERR_clear_error();
    throw spake2_error("spake2: " + what);
}

template <typename T>
T* check(T* p, const char* what) {
    if (p == nullptr) fail(std::string(what) + " failed");
    return p;
}

void check(int rc, const char* what) {
    if (rc != 1) fail(std::string(what) + " failed");
}

// Zeroes a buffer holding secret material when it goes out of scope.
template <typename Buffer>
struct cleanse_guard {
    Buffer& buffer;
    ~cleanse_guard() { OPENSSL_cleanse(buffer.data(), buffer.size()); }
};
template <typename Buffer>
cleanse_guard(Buffer&) -> cleanse_guard<Buffer>;

bn_ptr new_bn() {
    return bn_ptr(check(BN_new(), "BN_new"));
}

bn_ctx_ptr new_bn_ctx() {
    return bn_ctx_ptr(check(BN_CTX_new(), "BN_CTX_new"));
}

ec_group_ptr new_p256() {
    return ec_group_ptr(
        check(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1), "EC_GROUP_new_by_curve_name"));
}

ec_point_ptr new_point(const EC_GROUP* group) {
    return ec_point_ptr(check(EC_POINT_new(group), "EC_POINT_new"));
}

bn_ptr secret_bn(std::span<const std::uint8_t> bytes) {
    auto bn = new_bn();
    BN_set_flags(bn.get(), BN_FLG_CONSTTIME);
    check(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), bn.get()), "BN_bin2bn");
    return bn;
}

ec_point_ptr decode_constant(const EC_GROUP* group, std::span<const std::uint8_t> encoded,
                             BN_CTX* ctx) {
    auto point = new_point(group);
    check(EC_POINT_oct2point(group, point.get(), encoded.data(), encoded.size(), ctx),
          "decoding M/N");
    return point;
}

std::array<std::uint8_t, spake2_message_size> encode_point(const EC_GROUP* group,
                                                           const EC_POINT* point, BN_CTX* ctx) {
    std::array<std::uint8_t, spake2_message_size> out{};
    if (EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(),
                           ctx) != out.size()) {
        fail("EC_POINT_point2oct failed");
    }
    return out;
}

// scalar * point, using a point-only multiplication so OpenSSL takes its
// constant-time ladder path.
ec_point_ptr multiply(const EC_GROUP* group, const EC_POINT* point, const BIGNUM* scalar,
                      BN_CTX* ctx) {
    auto out = new_point(group);
    check(EC_POINT_mul(group, out.get(), nullptr, point, scalar, ctx), "EC_POINT_mul");
    return out;
}

void append_with_length(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> field) {
    std::uint64_t length = field.size();
    for (int i = 0; i < 8; ++i) {
        out.push_back(static_cast<std::uint8_t>(length >> (8 * i)));
    }
    out.insert(out.end(), field.begin(), field.end());
}

std::span<const std::uint8_t> as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::array<std::uint8_t, 32> hmac_sha256(std::span<const std::uint8_t> key,
                                         std::span<const std::uint8_t> data) {
    mac_ptr mac(check(EVP_MAC_fetch(nullptr, "HMAC", nullptr), "EVP_MAC_fetch"));
    mac_ctx_ptr ctx(check(EVP_MAC_CTX_new(mac.get()), "EVP_MAC_CTX_new"));
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    check(EVP_MAC_init(ctx.get(), key.data(), key.size(), params), "EVP_MAC_init");
    check(EVP_MAC_update(ctx.get(), data.data(), data.size()), "EVP_MAC_update");
    std::array<std::uint8_t, 32> out{};
    std::size_t out_size = 0;
    check(EVP_MAC_final(ctx.get(), out.data(), &out_size, out.size()), "EVP_MAC_final");
    if (out_size != out.size()) fail("unexpected HMAC length");
    return out;
}

}  // namespace

spake2_keys::spake2_keys(spake2_keys&& other) noexcept {
    *this = std::move(other);
}

spake2_keys& spake2_keys::operator=(spake2_keys&& other) noexcept {
    if (this == &other) return *this;
    wipe();
    ke = other.ke;
    ka = other.ka;
    kc_a = other.kc_a;
    kc_b = other.kc_b;
    mac_a = other.mac_a;
    mac_b = other.mac_b;
    k = other.k;
    transcript = std::move(other.transcript);
    other.wipe();
    return *this;
}

void spake2_keys::wipe() noexcept {
    OPENSSL_cleanse(ke.data(), ke.size());
    OPENSSL_cleanse(ka.data(), ka.size());
    OPENSSL_cleanse(kc_a.data(), kc_a.size());
    OPENSSL_cleanse(kc_b.data(), kc_b.size());
    OPENSSL_cleanse(mac_a.data(), mac_a.size());
    OPENSSL_cleanse(mac_b.data(), mac_b.size());
    OPENSSL_cleanse(k.data(), k.size());
    OPENSSL_cleanse(transcript.data(), transcript.size());
}

bool spake2_keys::wiped() const noexcept {
    const auto zero = [](const auto& bytes) {
        return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
    };
    return zero(ke) && zero(ka) && zero(kc_a) && zero(kc_b) && zero(mac_a) && zero(mac_b) &&
           zero(k) && zero(transcript);
}

struct spake2::state {
    spake2_role role;
    ec_group_ptr group;
    bn_ptr w;
    bn_ptr scalar;
    std::vector<std::uint8_t> w_bytes;
    std::string identity_a;
    std::string identity_b;
    std::array<std::uint8_t, spake2_message_size> message{};
    bool finished = false;

    ~state() { forget_secrets(); }
    // The scalars are cleared by BN_clear_free.
    void forget_secrets() noexcept {
        w.reset();
        scalar.reset();
        OPENSSL_cleanse(w_bytes.data(), w_bytes.size());
        w_bytes.clear();
    }
};

spake2::spake2(spake2_role role, std::span<const std::uint8_t> w, std::string_view identity_a,
               std::string_view identity_b, std::optional<std::span<const std::uint8_t>> scalar)
    : state_(std::make_unique<state>()) {
    auto& s = *state_;
    s.role = role;
    s.group = new_p256();
    s.identity_a = identity_a;
    s.identity_b = identity_b;
    const BIGNUM* order = EC_GROUP_get0_order(s.group.get());

    if (w.size() != spake2_scalar_size) fail("w must be 32 bytes");
    s.w = secret_bn(w);
    if (BN_cmp(s.w.get(), order) >= 0) fail("w is not reduced mod the order");
    s.w_bytes.assign(w.begin(), w.end());

    if (scalar) {
        if (scalar->size() != spake2_scalar_size) fail("scalar must be 32 bytes");
        s.scalar = secret_bn(*scalar);
        if (BN_is_zero(s.scalar.get()) || BN_cmp(s.scalar.get(), order) >= 0) {
            fail("scalar must be in [1, order-1]");
        }
    } else {
        s.scalar = new_bn();
        BN_set_flags(s.scalar.get(), BN_FLG_CONSTTIME);
        do {
            check(BN_priv_rand_range(s.scalar.get(), order), "BN_priv_rand_range");
        } while (BN_is_zero(s.scalar.get()));
    }

    // pA = x*G + w*M, pB = y*G + w*N; the two products are computed separately
    // so neither takes OpenSSL's variable-time multi-scalar path.
    auto ctx = new_bn_ctx();
    auto blind = decode_constant(s.group.get(),
                                 role == spake2_role::a ? spake2_m_compressed : spake2_n_compressed,
                                 ctx.get());
    auto public_part = new_point(s.group.get());
    check(
        EC_POINT_mul(s.group.get(), public_part.get(), s.scalar.get(), nullptr, nullptr, ctx.get()),
        "EC_POINT_mul");
    auto blinding = multiply(s.group.get(), blind.get(), s.w.get(), ctx.get());
    check(EC_POINT_add(s.group.get(), public_part.get(), public_part.get(), blinding.get(),
                       ctx.get()),
          "EC_POINT_add");
    if (EC_POINT_is_at_infinity(s.group.get(), public_part.get()) == 1) {
        fail("own message is the identity");
    }
    s.message = encode_point(s.group.get(), public_part.get(), ctx.get());
}

spake2::~spake2() = default;
spake2::spake2(spake2&&) noexcept = default;
spake2& spake2::operator=(spake2&&) noexcept = default;

std::array<std::uint8_t, spake2_message_size> spake2::my_message() const {
    if (!state_) fail("use of moved-from object");
    return state_->message;
}

namespace {

// The peer's message as a point: the right size and form, on the curve, not the identity.
ec_point_ptr parse_peer_point(const EC_GROUP* group, std::span<const std::uint8_t> peer_message,
                              BN_CTX* ctx) {
    if (peer_message.size() != spake2_message_size) {
        fail("peer message must be " + std::to_string(spake2_message_size) + " bytes, got " +
             std::to_string(peer_message.size()));
    }
    if (peer_message[0] != POINT_CONVERSION_UNCOMPRESSED) {
        fail("peer message is not an uncompressed point");
    }
    auto peer = new_point(group);
    if (EC_POINT_oct2point(group, peer.get(), peer_message.data(), peer_message.size(), ctx) != 1) {
        fail("peer message is not a valid P-256 point");
    }
    if (EC_POINT_is_on_curve(group, peer.get(), ctx) != 1) fail("peer point is not on the curve");
    if (EC_POINT_is_at_infinity(group, peer.get()) == 1) fail("peer point is the identity");
    return peer;
}

// K = h*x*(pB - w*N) for A, h*y*(pA - w*M) for B; h = 1 for P-256.
ec_point_ptr shared_point(const EC_GROUP* group, EC_POINT* peer, spake2_role role, const BIGNUM* w,
                          const BIGNUM* scalar, BN_CTX* ctx) {
    auto peer_blind = decode_constant(
        group, role == spake2_role::a ? spake2_n_compressed : spake2_m_compressed, ctx);
    auto unblind = multiply(group, peer_blind.get(), w, ctx);
    check(EC_POINT_invert(group, unblind.get(), ctx), "EC_POINT_invert");
    check(EC_POINT_add(group, peer, peer, unblind.get(), ctx), "EC_POINT_add");
    if (EC_POINT_is_at_infinity(group, peer) == 1) {
        fail("peer point minus the blinding term is the identity");
    }
    auto k = multiply(group, peer, scalar, ctx);
    if (EC_POINT_is_at_infinity(group, k.get()) == 1) fail("shared point K is the identity");
    return k;
}

struct transcript_parts {
    std::string_view identity_a;
    std::string_view identity_b;
    std::span<const std::uint8_t> p_a;
    std::span<const std::uint8_t> p_b;
    std::span<const std::uint8_t> w_bytes;
};

// TT from keys.k and the parts, and from TT Ke, Ka, the confirmation keys and both MACs.
void derive_keys(spake2_keys& keys, const transcript_parts& parts) {
    auto& tt = keys.transcript;
    tt.reserve(6 * 8 + parts.identity_a.size() + parts.identity_b.size() + 3 * spake2_message_size +
               spake2_scalar_size);
    append_with_length(tt, as_bytes(parts.identity_a));
    append_with_length(tt, as_bytes(parts.identity_b));
    append_with_length(tt, parts.p_a);
    append_with_length(tt, parts.p_b);
    append_with_length(tt, keys.k);
    append_with_length(tt, parts.w_bytes);

    std::array<std::uint8_t, hash_size> hash{};
    cleanse_guard hash_guard{hash};
    unsigned int hash_len = 0;
    check(EVP_Digest(tt.data(), tt.size(), hash.data(), &hash_len, EVP_sha256(), nullptr),
          "EVP_Digest");
    if (hash_len != hash.size()) fail("unexpected SHA-256 length");
    std::copy_n(hash.begin(), keys.ke.size(), keys.ke.begin());
    std::copy_n(hash.begin() + keys.ke.size(), keys.ka.size(), keys.ka.begin());

    std::array<std::uint8_t, 32> confirmation{};
    cleanse_guard confirmation_guard{confirmation};
    hkdf_sha256(keys.ka, {}, std::string_view(confirmation_info, sizeof(confirmation_info) - 1),
                confirmation);
    std::copy_n(confirmation.begin(), keys.kc_a.size(), keys.kc_a.begin());
    std::copy_n(confirmation.begin() + keys.kc_a.size(), keys.kc_b.size(), keys.kc_b.begin());

    keys.mac_a = hmac_sha256(keys.kc_a, tt);
    keys.mac_b = hmac_sha256(keys.kc_b, tt);
}

}  // namespace

spake2_keys spake2::finish(std::span<const std::uint8_t> peer_message) {
    if (!state_) fail("use of moved-from object");
    auto& s = *state_;
    if (s.finished) fail("finish() already called");
    const EC_GROUP* group = s.group.get();
    auto ctx = new_bn_ctx();
    auto peer = parse_peer_point(group, peer_message, ctx.get());
    auto k = shared_point(group, peer.get(), s.role, s.w.get(), s.scalar.get(), ctx.get());

    spake2_keys keys{};
    keys.k = encode_point(group, k.get(), ctx.get());
    const bool is_a = s.role == spake2_role::a;
    const std::span<const std::uint8_t> own = s.message;
    derive_keys(keys, transcript_parts{s.identity_a, s.identity_b, is_a ? own : peer_message,
                                       is_a ? peer_message : own, s.w_bytes});
    s.finished = true;
    s.forget_secrets();
    return keys;
}

bool spake2::wiped() const {
    if (!state_) return true;
    return !state_->w && !state_->scalar && state_->w_bytes.empty();
}

std::array<std::uint8_t, spake2_scalar_size> spake2_password_scalar(std::string_view password,
                                                                    std::string_view salt) {
    kdf_ptr kdf(check(EVP_KDF_fetch(nullptr, "SCRYPT", nullptr), "EVP_KDF_fetch(SCRYPT)"));
    kdf_ctx_ptr kctx(check(EVP_KDF_CTX_new(kdf.get()), "EVP_KDF_CTX_new"));
    std::uint64_t n = std::uint64_t{1} << 15;
    std::uint32_t r = 8;
    std::uint32_t p = 1;
    // scrypt needs 128*r*N bytes for V plus 256*r for scratch; allow 64 MiB.
    std::uint64_t maxmem = std::uint64_t{64} << 20;
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
                                          const_cast<char*>(password.data()), password.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()),
                                          salt.size()),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
        OSSL_PARAM_construct_end()};
    std::array<std::uint8_t, scrypt_output_size> derived{};
    cleanse_guard derived_guard{derived};
    check(EVP_KDF_derive(kctx.get(), derived.data(), derived.size(), params), "scrypt");

    auto group = new_p256();
    auto ctx = new_bn_ctx();
    auto value = secret_bn(derived);
    auto reduced = new_bn();
    BN_set_flags(reduced.get(), BN_FLG_CONSTTIME);
    check(BN_nnmod(reduced.get(), value.get(), EC_GROUP_get0_order(group.get()), ctx.get()),
          "BN_nnmod");
    std::array<std::uint8_t, spake2_scalar_size> out{};
    if (BN_bn2binpad(reduced.get(), out.data(), static_cast<int>(out.size())) !=
        static_cast<int>(out.size())) {
        fail("BN_bn2binpad failed");
    }
    return out;
}

bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace ferry::crypto
