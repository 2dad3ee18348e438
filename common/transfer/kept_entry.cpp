#include "common/transfer/kept_entry.hpp"

#include <string_view>

#include "common/crypto/sha256.hpp"

namespace ferry::transfer {

msg::digest kept_value(byte_span entry_wire, const msg::digest& file_digest) {
    sha256 h;
    h.update(as_bytes(std::string_view("ferry/1 kept entry")));
    h.update(entry_wire);
    h.update(file_digest);
    return h.finish();
}

}  // namespace ferry::transfer
