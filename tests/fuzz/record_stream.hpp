#pragma once

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "common/crypto/record_cipher.hpp"
#include "common/wire/bytes.hpp"
#include "common/wire/record_format.hpp"
#include "common/wire/wire_error.hpp"
#include "tests/fuzz/feed.hpp"

// The record layer as record_channel speaks it once keyed, without a socket: shared by the
// record fuzz target and the program that writes its seed corpus.
namespace ferry::fuzz {

// A fixed, nonzero key: the seeds are sealed with it, so the fuzzer starts from records that
// pass authentication and reaches the message decoder behind it.
inline record_key fuzz_key() {
    record_key k{};
    for (std::size_t i = 0; i < k.size(); ++i)
        k[i] = static_cast<std::uint8_t>(0xa5 ^ (i * 29));
    return k;
}

// Appends each payload (not empty) to `out` as one sealed record: length u32 | ciphertext | tag.
inline void seal_records(const std::vector<std::vector<std::uint8_t>>& payloads,
                         std::vector<std::uint8_t>& out) {
    record_cipher sealer(fuzz_key(), record_cipher::mode::seal);
    for (const auto& p : payloads) {
        const auto at = out.size();
        out.resize(at + record_format::header_size + p.size() + record_tag_size);
        const auto record = std::span(out).subspan(at);
        put_u32(record.data(), static_cast<std::uint32_t>(p.size() + record_tag_size));
        std::copy(p.begin(), p.end(), record.begin() + record_format::header_size);
        sealer.seal(record.first(record_format::header_size),
                    record.subspan(record_format::header_size, p.size()),
                    record.subspan(record_format::header_size + p.size()).first<record_tag_size>());
    }
}

// Reads a record stream in reads of at most `piece` bytes and opens each record with the fixed
// key, as the receiving side does; calls on_payload for each authentic payload and stops at the
// first record that is not authentic. Framing errors throw wire_error.
template <class OnPayload>
void open_records(const std::uint8_t* data, std::size_t size, std::size_t piece,
                  OnPayload&& on_payload) {
    // One reader for all inputs: a 1 MiB buffer per input would make the fuzzer crawl.
    static frame_reader<record_format> reader(max_record_body);
    reader.reset();
    record_cipher opener(fuzz_key(), record_cipher::mode::open);
    bool authentic = true;
    feed(reader, data, size, piece, [&] {
        if (!authentic) return;
        const auto body = reader.mutable_payload();
        if (body.size() <= record_tag_size) {
            authentic = false;  // record_channel: "an encrypted record is too short"
            return;
        }
        const auto payload = body.first(body.size() - record_tag_size);
        try {
            opener.open(reader.header(), payload, body.last<record_tag_size>());
        } catch (const integrity_error&) {
            authentic = false;
            return;
        }
        on_payload(byte_span(payload));
    });
}

}  // namespace ferry::fuzz
