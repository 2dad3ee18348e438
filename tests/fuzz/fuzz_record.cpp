// libFuzzer target: the record layer as a receiver sees it: length-prefixed records in arbitrary
// reads, each opened with AES-256-GCM (almost all fail authentication, which must be clean).
#include "common/record_cipher.hpp"
#include "common/record_format.hpp"
#include "common/wire_error.hpp"
#include "tests/fuzz/feed.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static const ferry::record_key key{};
    ferry::record_cipher opener(key, ferry::record_cipher::mode::open);
    // One reader for all inputs: a 1 MiB buffer per input would make the fuzzer crawl.
    static ferry::frame_reader<ferry::record_format> reader(ferry::max_record_body);
    reader.reset();
    try {
        ferry::fuzz::feed(reader, data + 1, size - 1, 1 + data[0] * 97u, [&] {
            auto body = reader.mutable_payload();
            if (body.size() <= ferry::record_tag_size) return;
            try {
                opener.open(reader.header(), body.first(body.size() - ferry::record_tag_size),
                            body.last<ferry::record_tag_size>());
            } catch (const ferry::integrity_error&) {
            }
        });
    } catch (const ferry::wire_error&) {
    }
    return 0;
}
