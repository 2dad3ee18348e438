#include "common/wire/relay_frame.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/wire/wire_error.hpp"

namespace ferry::relay_proto {

namespace {

bool is_known(frame_type t) {
    switch (t) {
        case frame_type::allocate:
        case frame_type::claim:
        case frame_type::ping:
        case frame_type::reconnect:
        case frame_type::share:
        case frame_type::join:
        case frame_type::resume_share:
        case frame_type::end_share:
        case frame_type::share_opened:
        case frame_type::reopen:
        case frame_type::allocated:
        case frame_type::paired:
        case frame_type::pong:
        case frame_type::arrived:
        case frame_type::error:
            return true;
    }
    return false;
}

void expect_size(const char* what, byte_span payload, std::size_t size) {
    if (payload.size() != size) {
        throw wire_error(fmt::format("relay frame '{}' must carry {} payload bytes, got {}", what,
                                     size, payload.size()));
    }
}

// ERROR and PONG texts are at most max_message bytes, as encode() writes them.
void expect_text(const char* what, byte_span text) {
    if (text.size() > max_message) {
        throw wire_error(fmt::format("relay {} text of {} bytes is over the limit of {}", what,
                                     text.size(), max_message));
    }
}

// ARRIVED: the ticket, then the receiver's address text (at most max_arrived_address bytes).
void decode_arrived(byte_span payload, frame& f) {
    if (payload.size() < share_ticket_size) {
        throw wire_error(
            fmt::format("relay frame 'arrived' must carry at least {} payload bytes, "
                        "got {}",
                        share_ticket_size, payload.size()));
    }
    const auto address = payload.subspan(share_ticket_size);
    if (address.size() > max_arrived_address) {
        throw wire_error(fmt::format("relay arrived address of {} bytes is over the limit of {}",
                                     address.size(), max_arrived_address));
    }
    std::copy(payload.begin(), payload.begin() + share_ticket_size, f.ticket.begin());
    f.text = std::string(as_chars(address));
}

}  // namespace

std::vector<std::uint8_t> encode(const frame& f) {
    std::vector<std::uint8_t> payload;
    switch (f.type) {
        case frame_type::claim:
        case frame_type::reopen:
        case frame_type::allocated:
            payload.resize(4);
            put_u32(payload.data(), f.nameplate);
            break;
        case frame_type::error: {
            payload.push_back(static_cast<std::uint8_t>(f.error));
            const auto text = f.text.substr(0, max_message);
            payload.insert(payload.end(), text.begin(), text.end());
            break;
        }
        case frame_type::pong: {
            const auto text = f.text.substr(0, max_message);
            payload.insert(payload.end(), text.begin(), text.end());
            break;
        }
        case frame_type::reconnect:
            payload.assign(f.id.begin(), f.id.end());
            payload.push_back(static_cast<std::uint8_t>(f.side));
            break;
        case frame_type::join:
        case frame_type::resume_share:
        case frame_type::share_opened:
            payload.resize(4);
            put_u32(payload.data(), f.nameplate);
            payload.insert(payload.end(), f.ticket.begin(), f.ticket.end());
            break;
        case frame_type::arrived: {
            payload.assign(f.ticket.begin(), f.ticket.end());
            const auto address = f.text.substr(0, max_arrived_address);
            payload.insert(payload.end(), address.begin(), address.end());
            break;
        }
        case frame_type::share:
            if (f.resumable) payload.push_back(1);
            break;
        case frame_type::allocate:
        case frame_type::ping:
        case frame_type::end_share:
        case frame_type::paired:
            break;
    }
    std::vector<std::uint8_t> out(header_size + payload.size());
    std::copy(magic.begin(), magic.end(), out.begin());
    out[4] = version;
    out[5] = static_cast<std::uint8_t>(f.type);
    put_u16(out.data() + 6, static_cast<std::uint16_t>(payload.size()));
    std::copy(payload.begin(), payload.end(), out.begin() + header_size);
    return out;
}

std::size_t payload_size(byte_span header, std::size_t max) {
    if (header.size() != header_size) throw wire_error("relay frame header has the wrong size");
    if (!std::equal(magic.begin(), magic.end(), header.begin())) {
        throw wire_error("not a ferry relay frame (bad magic)");
    }
    if (header[4] != version) {
        throw wire_error(fmt::format("unsupported relay protocol version {} (this side speaks {})",
                                     header[4], version));
    }
    if (!is_known(static_cast<frame_type>(header[5]))) {
        throw wire_error(fmt::format("unknown relay frame type 0x{:02x}", header[5]));
    }
    const std::size_t size = get_u16(header.data() + 6);
    if (size > max) {
        throw wire_error(fmt::format("relay frame of {} bytes is over the limit of {}", size, max));
    }
    return size;
}

frame decode(byte_span header, byte_span payload) {
    frame f;
    f.type = static_cast<frame_type>(header[5]);
    switch (f.type) {
        case frame_type::claim:
        case frame_type::reopen:
        case frame_type::allocated:
            expect_size(f.type == frame_type::claim    ? "claim"
                        : f.type == frame_type::reopen ? "reopen"
                                                       : "allocated",
                        payload, 4);
            f.nameplate = get_u32(payload.data());
            if (f.nameplate == 0) throw wire_error("nameplate 0 is not valid");
            break;
        case frame_type::error:
            if (payload.empty()) throw wire_error("relay error frame without an error code");
            f.error = static_cast<error_code>(payload[0]);
            expect_text("error", payload.subspan(1));
            f.text = std::string(as_chars(payload.subspan(1)));
            break;
        case frame_type::pong:
            expect_text("pong", payload);
            f.text = std::string(as_chars(payload));
            break;
        case frame_type::reconnect:
            expect_size("reconnect", payload, rendezvous_id_size + 1);
            std::copy(payload.begin(), payload.begin() + rendezvous_id_size, f.id.begin());
            if (payload[rendezvous_id_size] > 1) throw wire_error("reconnect role must be 0 or 1");
            f.side = static_cast<role>(payload[rendezvous_id_size]);
            break;
        case frame_type::join:
        case frame_type::resume_share:
        case frame_type::share_opened:
            expect_size(f.type == frame_type::join           ? "join"
                        : f.type == frame_type::share_opened ? "share_opened"
                                                             : "resume_share",
                        payload, 4 + share_ticket_size);
            f.nameplate = get_u32(payload.data());
            if (f.nameplate == 0) throw wire_error("nameplate 0 is not valid");
            std::copy(payload.begin() + 4, payload.end(), f.ticket.begin());
            break;
        case frame_type::arrived:
            decode_arrived(payload, f);
            break;
        case frame_type::allocate:
            expect_size("allocate", payload, 0);
            break;
        case frame_type::share:
            if (!payload.empty()) {
                expect_size("share", payload, 1);
                if (payload[0] != 1) throw wire_error("relay frame 'share' flags must be 0x01");
                f.resumable = true;
            }
            break;
        case frame_type::end_share:
            expect_size("end_share", payload, 0);
            break;
        case frame_type::ping:
            expect_size("ping", payload, 0);
            break;
        case frame_type::paired:
            expect_size("paired", payload, 0);
            break;
    }
    return f;
}

std::string_view describe(error_code code) {
    switch (code) {
        case error_code::bad_hello:
            return "bad hello";
        case error_code::unknown_nameplate:
            return "unknown nameplate";
        case error_code::nameplate_taken:
            return "nameplate already in use";
        case error_code::hello_timeout:
            return "hello timeout";
        case error_code::no_receiver:
            return "no receiver came";
        case error_code::relay_full:
            return "relay full";
        case error_code::too_many_waiting:
            return "too many waiting";
        case error_code::rate_limited:
            return "rate limited";
        case error_code::shutting_down:
            return "shutting down";
        case error_code::share_busy:
            return "share busy";
        case error_code::share_ended:
            return "share ended";
        case error_code::cluster_unavailable:
            return "relay cluster unavailable";
    }
    return "unknown error";
}

}  // namespace ferry::relay_proto
