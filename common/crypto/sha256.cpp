#include "common/crypto/sha256.hpp"

#include <openssl/evp.h>

#include "common/ui/exit_code.hpp"

namespace ferry {

void sha256::deleter::operator()(evp_md_ctx_st* ctx) const {
    EVP_MD_CTX_free(ctx);
}

sha256::sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
        throw failure(exit_code::internal, "OpenSSL could not set up SHA-256");
    }
}

sha256::sha256(const sha256& other) : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_MD_CTX_copy_ex(ctx_.get(), other.ctx_.get()) != 1) {
        throw failure(exit_code::internal, "OpenSSL could not copy a SHA-256 state");
    }
}

sha256& sha256::operator=(const sha256& other) {
    if (this == &other) return *this;
    if (!ctx_) ctx_.reset(EVP_MD_CTX_new());  // moved from
    if (!ctx_ || EVP_MD_CTX_copy_ex(ctx_.get(), other.ctx_.get()) != 1) {
        throw failure(exit_code::internal, "OpenSSL could not copy a SHA-256 state");
    }
    return *this;
}

sha256_digest sha256::peek() const {
    sha256 copy(*this);
    return copy.finish();
}

void sha256::update(byte_span bytes) {
    if (EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()) != 1) {
        throw failure(exit_code::internal, "OpenSSL SHA-256 update failed");
    }
}

sha256_digest sha256::finish() {
    sha256_digest out{};
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) != 1 || len != out.size()) {
        throw failure(exit_code::internal, "OpenSSL SHA-256 final failed");
    }
    return out;
}

void sha256::reset() {
    if (EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
        throw failure(exit_code::internal, "OpenSSL could not set up SHA-256");
    }
}

std::string to_hex(byte_span bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto b : bytes) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0xf]);
    }
    return out;
}

std::string shown_digest(const sha256_digest& d, bool full) {
    const auto hex = to_hex(d);
    return full ? hex : hex.substr(0, 8) + "\u2026";
}

}  // namespace ferry
