#include "receiver/inflater.hpp"

#include "common/transfer/message.hpp"
#include "common/wire/record_format.hpp"

namespace ferry::receiver {

inflater::inflater(sink& out)
    : out_(out),
      unpacked_(data_chunk_size),
      worker_(block_size, [this](byte_span payload) { apply(payload); }) {}

void inflater::apply(byte_span payload) {
    if (payload[0] == static_cast<std::uint8_t>(msg::type::data)) {
        out_.write(payload.subspan(1));
        return;
    }
    const auto z = std::get<msg::zdata>(msg::decode(payload));
    const auto into = mutable_byte_span(unpacked_).first(z.raw_size);
    unzstd_.decompress(z.frame, into);
    out_.write(into);
}

}  // namespace ferry::receiver
