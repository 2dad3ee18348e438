#include "common/crypto/record_cipher.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <stdexcept>

#include "common/ui/exit_code.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry {

namespace {

[[noreturn]] void openssl_failed(const char* what) {
    throw failure(exit_code::internal, std::string("OpenSSL failed: ") + what);
}

int as_int(std::size_t n) {
    return static_cast<int>(n);
}

}  // namespace

void record_cipher::deleter::operator()(evp_cipher_ctx_st* ctx) const {
    EVP_CIPHER_CTX_free(ctx);
}

record_cipher::record_cipher(const record_key& key, mode m) : ctx_(EVP_CIPHER_CTX_new()), mode_(m) {
    if (!ctx_) openssl_failed("EVP_CIPHER_CTX_new");
    const int ok =
        m == mode::seal
            ? EVP_EncryptInit_ex(ctx_.get(), EVP_aes_256_gcm(), nullptr, key.data(), nullptr)
            : EVP_DecryptInit_ex(ctx_.get(), EVP_aes_256_gcm(), nullptr, key.data(), nullptr);
    if (ok != 1) openssl_failed("AES-256-GCM init");
}

record_cipher::~record_cipher() = default;

void record_cipher::start_record() {
    if (sequence_ == UINT64_MAX) throw integrity_error("record sequence number exhausted");
    std::array<std::uint8_t, 12> nonce{};
    put_u64(nonce.data() + 4, sequence_++);
    // Only the nonce changes: the key schedule set up in the constructor is kept.
    const int ok = mode_ == mode::seal
                       ? EVP_EncryptInit_ex(ctx_.get(), nullptr, nullptr, nullptr, nonce.data())
                       : EVP_DecryptInit_ex(ctx_.get(), nullptr, nullptr, nullptr, nonce.data());
    if (ok != 1) openssl_failed("AES-256-GCM nonce");
}

void record_cipher::seal(byte_span aad, mutable_byte_span data,
                         std::span<std::uint8_t, record_tag_size> tag) {
    seal(aad, data, data, tag);
}

void record_cipher::seal(byte_span aad, byte_span plain, mutable_byte_span out,
                         std::span<std::uint8_t, record_tag_size> tag) {
    if (out.size() < plain.size()) throw std::length_error("record_cipher: output too small");
    start_record();
    int len = 0;
    if (EVP_EncryptUpdate(ctx_.get(), nullptr, &len, aad.data(), as_int(aad.size())) != 1 ||
        EVP_EncryptUpdate(ctx_.get(), out.data(), &len, plain.data(), as_int(plain.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx_.get(), out.data() + len, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_GET_TAG, as_int(tag.size()), tag.data()) !=
            1) {
        openssl_failed("AES-256-GCM seal");
    }
}

void record_cipher::open(byte_span aad, mutable_byte_span data,
                         std::span<const std::uint8_t, record_tag_size> tag) {
    start_record();
    int len = 0;
    std::array<std::uint8_t, record_tag_size> expected{};
    std::copy(tag.begin(), tag.end(), expected.begin());
    if (EVP_DecryptUpdate(ctx_.get(), nullptr, &len, aad.data(), as_int(aad.size())) != 1 ||
        EVP_DecryptUpdate(ctx_.get(), data.data(), &len, data.data(), as_int(data.size())) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_TAG, as_int(expected.size()),
                            expected.data()) != 1) {
        openssl_failed("AES-256-GCM open");
    }
    if (EVP_DecryptFinal_ex(ctx_.get(), data.data() + len, &len) != 1) {
        throw integrity_error(
            "a record failed authentication: it was altered, dropped, repeated or reordered");
    }
}

}  // namespace ferry
