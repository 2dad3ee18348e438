// The journal of a resumable tree (docs/protocol.md §4.2): its valid prefix is read back
// whatever the cut or the damage, never a record past it; after a restart of the system only
// what a synced mark vouches for counts.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "receiver/tree_journal.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::receiver;

namespace {

transfer_id example_id() {
    return transfer_id_of(msg::offer{0, 12, "photos"});
}

boot_id example_boot() {
    boot_id b{};
    const std::string text = "0d2f6a43-5c1e-4b8e-9f2a-7f8e1a2b3c4d";
    std::copy(text.begin(), text.end(), b.begin());
    return b;
}

std::vector<std::uint8_t> entry_body(const std::string& path, std::uint8_t fill) {
    msg::digest d{};
    d.fill(fill);
    std::vector<std::uint8_t> body(d.begin(), d.end());
    const auto wire = msg::encode(msg::entry{msg::entry_type::file, 0644, 7, 3, path, ""});
    body.insert(body.end(), wire.begin(), wire.end());
    return body;
}

struct example_journal {
    std::vector<std::uint8_t> bytes;
    std::vector<std::size_t> record_ends;  // after each record
    std::vector<bool> is_entry;
};

// Header, entries a and b, a synced mark, entry c.
example_journal make_example() {
    example_journal j;
    j.bytes = encode_journal_header(example_id(), example_boot());
    auto check = journal_seed(example_id());
    const auto add = [&](std::uint8_t kind, const std::vector<std::uint8_t>& body) {
        append_journal_record(j.bytes, check, kind, body);
        j.record_ends.push_back(j.bytes.size());
        j.is_entry.push_back(kind == journal_entry_kind);
    };
    add(journal_entry_kind, entry_body("photos/a", 1));
    add(journal_entry_kind, entry_body("photos/b", 2));
    add(journal_synced_kind, {});
    add(journal_entry_kind, entry_body("photos/c", 3));
    return j;
}

// Entries among the records that end at or before `length`.
std::size_t whole_entries(const example_journal& j, std::size_t length) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < j.record_ends.size() && j.record_ends[i] <= length; ++i)
        n += j.is_entry[i] ? 1U : 0U;
    return n;
}

}  // namespace

TEST_CASE("a journal reads back its entries and marks", "[journal]") {
    const auto j = make_example();
    REQUIRE(j.bytes.size() >= journal_header_size);
    CHECK(std::vector<std::uint8_t>(j.bytes.begin(), j.bytes.begin() + 5) ==
          std::vector<std::uint8_t>{'F', 'R', 'P', 'T', 1});
    const auto back = decode_journal(j.bytes);
    REQUIRE(back);
    CHECK(back->id == example_id());
    CHECK(back->boot == example_boot());
    REQUIRE(back->entries.size() == 3);
    CHECK(back->synced == 2);
    CHECK(back->entries[0].entry.path == "photos/a");
    CHECK(back->entries[2].entry.path == "photos/c");
    CHECK(back->entries[1].sha256[0] == 2);
    CHECK(back->entries[2].end == j.bytes.size());
}

TEST_CASE("a journal cut at any offset keeps exactly the whole records before the cut",
          "[journal]") {
    const auto j = make_example();
    for (std::size_t len = 0; len <= j.bytes.size(); ++len) {
        INFO("length " << len);
        const auto back = decode_journal(byte_span(j.bytes).first(len));
        if (len < journal_header_size) {
            CHECK(!back);
            continue;
        }
        REQUIRE(back);
        CHECK(back->entries.size() == whole_entries(j, len));
        CHECK(back->synced == (len >= j.record_ends[2] ? 2U : 0U));
    }
}

TEST_CASE("a damaged byte ends the journal before the record it is in", "[journal]") {
    const auto j = make_example();
    for (std::size_t at = 0; at < j.bytes.size(); ++at) {
        INFO("byte " << at);
        auto damaged = j.bytes;
        damaged[at] ^= 0x20;
        const auto back = decode_journal(damaged);
        if (at < 5) {  // magic and version
            CHECK(!back);
            continue;
        }
        REQUIRE(back);
        if (at < journal_header_size) {
            // Another id: a chain that does not start; another boot: read as written.
            const bool in_id = at < 37;
            CHECK(back->entries.size() == (in_id ? 0U : 3U));
            continue;
        }
        std::size_t record = 0;
        while (j.record_ends[record] <= at)
            ++record;
        const auto before = record == 0 ? journal_header_size : j.record_ends[record - 1];
        CHECK(back->entries.size() == whole_entries(j, before));
    }
}

TEST_CASE("a journal file keeps what was written and, after a restart, what was synced",
          "[journal]") {
    ferry::test::temp_dir dir;
    const int fd = ::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    const auto id = example_id();
    const auto entry = msg::encode(msg::entry{msg::entry_type::file, 0644, 7, 3, "photos/a", ""});
    msg::digest d{};
    {
        tree_journal j(fd, id, "test");
        CHECK(j.loaded().empty());
        j.start(0);
        j.entry_done(entry, d, 3);
        j.entry_done(entry, d, 3);
        CHECK(j.finish_kept());
        CHECK(j.bytes() == 6);
    }
    {
        tree_journal j(fd, id, "test");
        REQUIRE(j.loaded().size() == 2);
        j.start(1);  // the second is dropped, a third written
        j.entry_done(entry, d, 3);
        CHECK(j.entries() == 2);
    }  // no finish_kept: the last record was written but not marked
    {
        tree_journal j(fd, id, "test");
        CHECK(j.loaded().size() == 2);  // the same boot: all that was written counts
    }
    {  // as after a power loss: another boot id in the header
        std::fstream f(dir.path / "journal", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(37);
        f.put('x');
    }
    {
        tree_journal j(fd, id, "test");
        CHECK(j.loaded().size() == 1);  // only what the mark after start(1) vouches for
    }
    {
        tree_journal j(fd, transfer_id_of(msg::offer{0, 13, "photos"}), "test");
        CHECK(j.loaded().empty());  // another transfer's journal: nothing of it is used
    }
    ::close(fd);
}
