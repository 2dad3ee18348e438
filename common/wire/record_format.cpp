#include "common/wire/record_format.hpp"

#include <fmt/format.h>

#include "common/wire/wire_error.hpp"

namespace ferry {

std::size_t record_format::payload_size(byte_span header, std::size_t max) {
    const std::size_t size = get_u32(header.data());
    if (size == 0) throw wire_error("empty record");
    if (size > max) {
        throw wire_error(fmt::format("record of {} bytes is over the limit of {}", size, max));
    }
    return size;
}

}  // namespace ferry
