// libFuzzer target: transfer messages (hello, offer of every kind, accept, refuse, data, done,
// verified, abort, keepalive, a tree's entry and file end, resume and its answer, a tree's resume,
// kept values and answer). A message that
// decodes must encode back to the same bytes.
#include "common/transfer/message.hpp"
#include "common/wire/wire_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const auto m = ferry::msg::decode({data, size});
        const auto again = ferry::msg::encode(m);
        if (again.size() != size || !std::equal(again.begin(), again.end(), data)) {
            __builtin_trap();
        }
    } catch (const ferry::wire_error&) {
    }
    return 0;
}
