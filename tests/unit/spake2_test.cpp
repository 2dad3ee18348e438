#include "common/crypto/spake2.hpp"

#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef FERRY_TEST_DATA_DIR
#define FERRY_TEST_DATA_DIR "tests/data"
#endif

namespace {

using namespace ferry::crypto;
using bytes = std::vector<std::uint8_t>;

bytes from_hex(const std::string& hex) {
    if (hex.size() % 2 != 0) throw std::invalid_argument("odd hex length");
    bytes out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    }
    return out;
}

template <typename Range>
bytes to_bytes(const Range& r) {
    return bytes(r.begin(), r.end());
}

using record = std::map<std::string, std::string>;

struct vector_file {
    record globals;
    std::vector<record> vectors;
};

vector_file load_vectors() {
    const std::string path = std::string(FERRY_TEST_DATA_DIR) + "/spake2-p256-rfc9382.txt";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    vector_file file;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        const auto eq = line.find('=');
        if (eq == std::string::npos) throw std::runtime_error("bad line: " + line);
        const std::string key = line.substr(0, eq);
        std::string value = line.substr(eq + 1);
        if (value == "''") value.clear();
        if (key == "A") file.vectors.emplace_back();
        if (file.vectors.empty()) {
            file.globals[key] = value;
        } else {
            file.vectors.back()[key] = value;
        }
    }
    return file;
}

// Decompresses a SEC1 point with OpenSSL, independently of the code under
// test.
bytes uncompressed(std::span<const std::uint8_t> compressed) {
    std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group(
        EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1), &EC_GROUP_free);
    std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> point(EC_POINT_new(group.get()),
                                                              &EC_POINT_free);
    REQUIRE(EC_POINT_oct2point(group.get(), point.get(), compressed.data(), compressed.size(),
                               nullptr) == 1);
    bytes out(spake2_message_size);
    REQUIRE(EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(),
                               out.size(), nullptr) == out.size());
    return out;
}

bytes scalar_bytes(std::uint8_t last) {
    bytes out(spake2_scalar_size, 0);
    out.back() = last;
    return out;
}

const bytes p256_order =
    from_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

}  // namespace

TEST_CASE("spake2: RFC 9382 P-256 test vectors", "[spake2]") {
    const auto file = load_vectors();
    REQUIRE(file.vectors.size() == 4);

    for (const auto& v : file.vectors) {
        INFO("A='" << v.at("A") << "' B='" << v.at("B") << "'");
        const auto w = from_hex(v.at("w"));
        const auto x = from_hex(v.at("x"));
        const auto y = from_hex(v.at("y"));

        spake2 a(spake2_role::a, w, v.at("A"), v.at("B"), std::span<const std::uint8_t>(x));
        spake2 b(spake2_role::b, w, v.at("A"), v.at("B"), std::span<const std::uint8_t>(y));
        const auto p_a = a.my_message();
        const auto p_b = b.my_message();
        CHECK(to_bytes(p_a) == from_hex(v.at("pA")));
        CHECK(to_bytes(p_b) == from_hex(v.at("pB")));

        const auto keys_a = a.finish(p_b);
        const auto keys_b = b.finish(p_a);
        for (const auto* keys : {&keys_a, &keys_b}) {
            CHECK(to_bytes(keys->k) == from_hex(v.at("K")));
            CHECK(keys->transcript == from_hex(v.at("TT")));
            CHECK(to_bytes(keys->ke) == from_hex(v.at("Ke")));
            CHECK(to_bytes(keys->ka) == from_hex(v.at("Ka")));
            bytes hash_tt = to_bytes(keys->ke);
            hash_tt.insert(hash_tt.end(), keys->ka.begin(), keys->ka.end());
            CHECK(hash_tt == from_hex(v.at("HashTT")));
            CHECK(to_bytes(keys->kc_a) == from_hex(v.at("KcA")));
            CHECK(to_bytes(keys->kc_b) == from_hex(v.at("KcB")));
            CHECK(to_bytes(keys->mac_a) == from_hex(v.at("cA")));
            CHECK(to_bytes(keys->mac_b) == from_hex(v.at("cB")));
        }
    }
}

TEST_CASE("spake2: M and N match the vector file", "[spake2]") {
    const auto file = load_vectors();
    CHECK(to_bytes(spake2_m_compressed) == from_hex(file.globals.at("M")));
    CHECK(to_bytes(spake2_n_compressed) == from_hex(file.globals.at("N")));
}

TEST_CASE("spake2: exchange with random scalars", "[spake2]") {
    const auto w = spake2_password_scalar("7-crossover-clockwork", "ferry-salt");

    SECTION("same password agrees") {
        spake2 a(spake2_role::a, w, "sender", "receiver");
        spake2 b(spake2_role::b, w, "sender", "receiver");
        const auto keys_a = a.finish(b.my_message());
        const auto keys_b = b.finish(a.my_message());
        CHECK(keys_a.ke == keys_b.ke);
        CHECK(keys_a.ka == keys_b.ka);
        CHECK(keys_a.kc_a == keys_b.kc_a);
        CHECK(keys_a.kc_b == keys_b.kc_b);
        CHECK(constant_time_equal(keys_a.mac_a, keys_b.mac_a));
        CHECK(constant_time_equal(keys_a.mac_b, keys_b.mac_b));
        CHECK(keys_a.k == keys_b.k);
        CHECK(keys_a.transcript == keys_b.transcript);
    }

    SECTION("fresh scalars give fresh messages") {
        spake2 a1(spake2_role::a, w, "", "");
        spake2 a2(spake2_role::a, w, "", "");
        CHECK(a1.my_message() != a2.my_message());
    }

    SECTION("different password disagrees") {
        const auto w_other = spake2_password_scalar("7-crossover-clockword", "ferry-salt");
        REQUIRE(w != w_other);
        spake2 a(spake2_role::a, w, "sender", "receiver");
        spake2 b(spake2_role::b, w_other, "sender", "receiver");
        const auto keys_a = a.finish(b.my_message());
        const auto keys_b = b.finish(a.my_message());
        CHECK_FALSE(constant_time_equal(keys_a.mac_a, keys_b.mac_a));
        CHECK_FALSE(constant_time_equal(keys_a.mac_b, keys_b.mac_b));
        CHECK(keys_a.ke != keys_b.ke);
        CHECK(keys_a.k != keys_b.k);
    }

    SECTION("different identities disagree") {
        spake2 a(spake2_role::a, w, "sender", "receiver");
        spake2 b(spake2_role::b, w, "sender", "someone-else");
        const auto keys_a = a.finish(b.my_message());
        const auto keys_b = b.finish(a.my_message());
        CHECK(keys_a.k == keys_b.k);
        CHECK(keys_a.ke != keys_b.ke);
        CHECK_FALSE(constant_time_equal(keys_a.mac_a, keys_b.mac_a));
    }

    SECTION("object can be moved") {
        spake2 a(spake2_role::a, w, "", "");
        spake2 b(spake2_role::b, w, "", "");
        spake2 moved(std::move(a));
        CHECK(moved.finish(b.my_message()).ke == b.finish(moved.my_message()).ke);
    }
}

TEST_CASE("spake2: finish rejects bad peer messages", "[spake2]") {
    const auto w = scalar_bytes(1);
    spake2 a(spake2_role::a, w, "", "");
    spake2 b(spake2_role::b, w, "", "");
    const auto good = b.my_message();

    SECTION("wrong length") {
        CHECK_THROWS_AS(a.finish({}), spake2_error);
        CHECK_THROWS_AS(a.finish(std::span(good).first(64)), spake2_error);
        bytes longer(good.begin(), good.end());
        longer.push_back(0);
        CHECK_THROWS_AS(a.finish(longer), spake2_error);
    }

    SECTION("off-curve point") {
        auto bad = good;
        bad.back() ^= 0x01;
        CHECK_THROWS_WITH(a.finish(bad), Catch::Contains("not a valid"));
    }

    SECTION("coordinates out of range") {
        bytes bad(spake2_message_size, 0xff);
        bad[0] = 0x04;
        CHECK_THROWS_AS(a.finish(bad), spake2_error);
    }

    SECTION("point at infinity encodings") {
        CHECK_THROWS_AS(a.finish(bytes{0x00}), spake2_error);
        CHECK_THROWS_AS(a.finish(bytes(spake2_message_size, 0x00)), spake2_error);
    }

    SECTION("compressed and hybrid forms") {
        const auto n = to_bytes(spake2_n_compressed);
        CHECK_THROWS_WITH(a.finish(n), Catch::Contains("65 bytes"));
        auto hybrid = good;
        hybrid[0] = static_cast<std::uint8_t>(0x06 | (good.back() & 1));
        CHECK_THROWS_WITH(a.finish(hybrid), Catch::Contains("uncompressed"));
    }

    SECTION("peer point equal to the blinding term") {
        // With w = 1, pB = N makes pB - w*N the identity.
        CHECK_THROWS_WITH(a.finish(uncompressed(spake2_n_compressed)), Catch::Contains("identity"));
        CHECK_THROWS_WITH(b.finish(uncompressed(spake2_m_compressed)), Catch::Contains("identity"));
    }

    SECTION("rejection leaves the object usable, success consumes it") {
        auto bad = good;
        bad.back() ^= 0x01;
        CHECK_THROWS_AS(a.finish(bad), spake2_error);
        const auto keys_a = a.finish(good);
        CHECK(keys_a.ke == b.finish(a.my_message()).ke);
        CHECK_THROWS_WITH(a.finish(good), Catch::Contains("already"));
    }
}

TEST_CASE("spake2: constructor validates scalars", "[spake2]") {
    const auto w = scalar_bytes(7);
    CHECK_THROWS_AS(spake2(spake2_role::a, bytes(31, 1), "", ""), spake2_error);
    CHECK_THROWS_AS(spake2(spake2_role::a, p256_order, "", ""), spake2_error);
    const auto zero = scalar_bytes(0);
    CHECK_NOTHROW(spake2(spake2_role::a, zero, "", ""));
    CHECK_THROWS_AS(spake2(spake2_role::a, w, "", "", std::span<const std::uint8_t>(zero)),
                    spake2_error);
    CHECK_THROWS_AS(spake2(spake2_role::a, w, "", "", std::span<const std::uint8_t>(p256_order)),
                    spake2_error);
    const bytes short_scalar(16, 1);
    CHECK_THROWS_AS(spake2(spake2_role::a, w, "", "", std::span<const std::uint8_t>(short_scalar)),
                    spake2_error);
}

TEST_CASE("spake2: password scalar", "[spake2]") {
    const auto w1 = spake2_password_scalar("7-crossover-clockwork", "salt-1");
    const auto w2 = spake2_password_scalar("7-crossover-clockwork", "salt-1");
    const auto w3 = spake2_password_scalar("7-crossover-clockwork", "salt-2");
    const auto w4 = spake2_password_scalar("7-crossover-clockword", "salt-1");
    CHECK(w1.size() == 32);
    CHECK(w1 == w2);
    CHECK(w1 != w3);
    CHECK(w1 != w4);
    for (const auto& w : {w1, w3, w4}) {
        CHECK(
            std::lexicographical_compare(w.begin(), w.end(), p256_order.begin(), p256_order.end()));
    }

    // Python: hashlib.scrypt(b"7-crossover-clockwork", salt=b"ferry-test-salt",
    // n=2**15, r=8, p=1, dklen=48), as an integer mod the P-256 order.
    CHECK(to_bytes(spake2_password_scalar("7-crossover-clockwork", "ferry-test-salt")) ==
          from_hex("20780d24674b3d4c082bb255dd7652af"
                   "48e14d92ba414796da96174a04dd7214"));
}

TEST_CASE("spake2: constant_time_equal", "[spake2]") {
    const bytes a{1, 2, 3};
    const bytes b{1, 2, 3};
    const bytes c{1, 2, 4};
    const bytes d{1, 2};
    CHECK(constant_time_equal(a, b));
    CHECK_FALSE(constant_time_equal(a, c));
    CHECK_FALSE(constant_time_equal(a, d));
    CHECK(constant_time_equal(bytes{}, bytes{}));
}
