// libFuzzer target: the record layer as a receiver sees it, and the transfer messages behind it.
// The first input byte picks the read size (low 7 bits) and the mode (high bit):
//   0: the rest is a record stream off the wire, opened with a fixed key: what fails
//      authentication must fail cleanly; the seed corpus (fuzz_seeds) holds valid sealed
//      streams, so mutations of their framing and of what follows also get fuzzed;
//   1: the rest is a list of payloads (length u16 BE | bytes, the last one cut short by the
//      end), sealed with the key and then read back: every payload must open to exactly what
//      was sealed, which puts arbitrary bytes behind authentication.
// Every authentic payload goes to msg::decode as the receiver's does; a message that decodes
// must encode back to the same bytes. Violations abort.
#include <cstdlib>
#include <vector>

#include "common/transfer/message.hpp"
#include "tests/fuzz/record_stream.hpp"

namespace {

using bytes = std::vector<std::uint8_t>;

void check_message(ferry::byte_span payload) {
    try {
        const auto m = ferry::msg::decode(payload);
        const auto again = ferry::msg::encode(m);
        if (!std::equal(again.begin(), again.end(), payload.begin(), payload.end())) std::abort();
    } catch (const ferry::wire_error&) {
    }
}

std::vector<bytes> split_payloads(const std::uint8_t* data, std::size_t size) {
    std::vector<bytes> out;
    for (std::size_t pos = 0; pos + 2 <= size;) {
        const std::size_t n = std::min<std::size_t>(ferry::get_u16(data + pos), size - pos - 2);
        pos += 2;
        if (n > 0) out.emplace_back(data + pos, data + pos + n);
        pos += n;
    }
    return out;
}

void sealed_round_trip(const std::uint8_t* data, std::size_t size, std::size_t piece) {
    const auto payloads = split_payloads(data, size);
    bytes stream;
    ferry::fuzz::seal_records(payloads, stream);
    std::size_t opened = 0;
    ferry::fuzz::open_records(stream.data(), stream.size(), piece, [&](ferry::byte_span p) {
        const auto& sent = payloads.at(opened++);
        if (!std::equal(p.begin(), p.end(), sent.begin(), sent.end())) std::abort();
        check_message(p);
    });
    if (opened != payloads.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t piece = 1 + (data[0] & 0x7fu) * 193u;
    if ((data[0] & 0x80u) != 0) {
        sealed_round_trip(data + 1, size - 1, piece);
        return 0;
    }
    try {
        ferry::fuzz::open_records(data + 1, size - 1, piece, check_message);
    } catch (const ferry::wire_error&) {
    }
    return 0;
}
