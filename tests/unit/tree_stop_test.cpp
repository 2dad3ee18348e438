// A tree receive that stops in good order (the sender's ABORT, a lost connection) keeps every
// entry that arrived whole before the stop, as docs/protocol.md §4.2 says: the records still
// waiting for the writer thread are applied and journaled, not dropped with its block.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "common/crypto/sha256.hpp"
#include "common/net/deadline.hpp"
#include "common/net/race.hpp"
#include "common/session/record_channel.hpp"
#include "common/transfer/message_channel.hpp"
#include "common/ui/exit_code.hpp"
#include "receiver/partial_tree.hpp"
#include "receiver/tree_transfer.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::receiver;
using ferry::test::temp_dir;

namespace {

constexpr std::uint32_t small_files = 500;  // a few tens of KiB of records: well under a block

msg::offer folder_offer() {
    msg::offer o(static_cast<std::uint8_t>(msg::offer_kind::tree), small_files, "");
    o.files = small_files;
    o.folders = 1;
    o.items.push_back(msg::offer_item{msg::entry_type::folder, small_files, small_files, "d"});
    return o;
}

// The folder, then every small file whole (ENTRY, one byte 'x', FILE_END); no DONE.
awaitable<void> send_small_files(record_channel& out) {
    const msg::message folder = msg::entry{msg::entry_type::folder, 0755, 0, 0, "d", ""};
    co_await send_message(out, folder);
    sha256 h;
    h.update(as_bytes(std::string_view("x")));
    const msg::message end = msg::file_end{h.finish()};
    for (std::uint32_t i = 0; i < small_files; ++i) {
        const msg::message file =
            msg::entry{msg::entry_type::file, 0644, 0, 1, "d/f" + std::to_string(i), ""};
        co_await send_message(out, file);
        auto room = out.prepare();
        room[0] = static_cast<std::uint8_t>(msg::type::data);
        room[1] = 'x';
        co_await out.send(2);
        co_await send_message(out, end);
    }
}

struct stop_result {
    std::optional<exit_code> failed;  // a failure's code
    bool cut = false;                 // the connection ended
};

awaitable<void> send_then_stop(record_channel& out, tcp::socket& socket, bool abort) {
    co_await send_small_files(out);
    if (!abort) {
        socket.close();
        co_return;
    }
    const msg::message stop = msg::abort{msg::reason::cancelled, "stopped"};
    co_await send_message(out, stop);
}

awaitable<void> receive_into(record_channel& in, const options& opts, const msg::offer& offer,
                             partial_tree& partial, stop_result& result) {
    tree_transfer transfer(in, opts, offer, partial.staging(), &partial);
    try {
        co_await transfer.run();
    } catch (const failure& f) {
        result.failed = f.code();
    } catch (const connection_closed&) {
        result.cut = true;
    }
}

// The sender's records, then `stop` (an ABORT, or its socket closed); the receiver takes them
// into a resumable tree in `dir` until the stop ends it.
stop_result receive_until_stop(const std::filesystem::path& dir, bool abort) {
    asio::io_context io;
    tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)};
    tcp::socket a{io};
    tcp::socket b{io};
    a.connect(acceptor.local_endpoint());
    b = acceptor.accept();
    const auto offer = folder_offer();
    options opts;
    opts.quiet = true;
    opts.output_dir = dir;
    kept_partial kept;
    partial_tree partial(dir, offer, false, kept);
    partial.start(0);
    stop_result result;
    asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
            deadline activity;
            record_channel out(a, activity);
            record_channel in(b, activity);
            co_await both(send_then_stop(out, a, abort),
                          receive_into(in, opts, offer, partial, result));
        },
        [](const std::exception_ptr& e) {
            if (e) std::rethrow_exception(e);
        });
    io.run();
    return result;
}

// What a second try finds kept in `dir` for the same offer.
std::size_t kept_entries(const std::filesystem::path& dir) {
    kept_partial kept;
    const partial_tree again(dir, folder_offer(), false, kept);
    return again.kept();
}

}  // namespace

TEST_CASE("a tree receive stopped by the sender keeps every entry that came", "[tree][partial]") {
    temp_dir dir;
    const auto stopped = receive_until_stop(dir.path, true);
    REQUIRE(stopped.failed);
    CHECK(*stopped.failed == exit_code::peer);
    CHECK(kept_entries(dir.path) == 1 + small_files);
}

TEST_CASE("a tree receive whose connection ends keeps every entry that came", "[tree][partial]") {
    temp_dir dir;
    const auto stopped = receive_until_stop(dir.path, false);
    CHECK(stopped.cut);
    CHECK(kept_entries(dir.path) == 1 + small_files);
}
