#include "receiver/random_name.hpp"

#include <array>
#include <cstdint>

#include <fmt/format.h>
#include <openssl/rand.h>

#include "common/crypto/sha256.hpp"
#include "common/ui/exit_code.hpp"

namespace ferry::receiver {

std::string random_hex(std::string_view what) {
    std::array<std::uint8_t, 8> r{};
    if (RAND_bytes(r.data(), static_cast<int>(r.size())) != 1) {
        throw failure(exit_code::internal,
                      fmt::format("cannot draw a random name for {}: the system's random number "
                                  "generator failed",
                                  what));
    }
    return to_hex(r);
}

}  // namespace ferry::receiver
