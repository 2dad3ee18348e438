#include "relay/system_random.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace ferry::relay {

system_random::result_type system_random::operator()() {
    if (next_ == buffer_.size()) {
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
        auto* bytes = reinterpret_cast<unsigned char*>(buffer_.data());
        if (RAND_bytes(bytes, static_cast<int>(sizeof(buffer_))) != 1)
            throw std::runtime_error("the system random generator failed (OpenSSL RAND_bytes)");
        next_ = 0;
    }
    return buffer_[next_++];
}

}  // namespace ferry::relay
