#pragma once

// A sender that lies (test-only code): it speaks the real protocol through the relay (rendezvous,
// key exchange, HELLO) and then sends exactly what its plan says, however wrong.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "common/transfer/message.hpp"
#include "tests/support/files.hpp"
#include "tests/support/relay_fixture.hpp"

namespace ferry::test {

// A DATA record of `size` file bytes, each 'x'.
struct data_bytes {
    std::size_t size;
};
// A DATA record of exactly these bytes.
struct data_record {
    std::string bytes;
};
// A record payload sent as it is (its type byte first), for what the encoder would not write:
// an ENTRY whose path is over the codec's limit.
struct raw_record {
    std::vector<std::uint8_t> payload;
};
// What the hostile sender sends, in order.
using step = std::variant<msg::message, data_bytes, data_record, raw_record>;

// The SHA-256 of n bytes 'x': what a DONE after data_bytes steps of n bytes in all claims.
msg::digest hash_of_x(std::size_t n);
// The SHA-256 of `bytes`.
msg::digest hash_of(const std::string& bytes);
// What a tree's DONE claims: the SHA-256 of the FILE_END digests, one after the other.
msg::digest hash_of_digests(const std::vector<msg::digest>& digests);

// What the hostile sender does once the session is keyed: `opening` (normally one OFFER), then,
// if the receiver accepts, `after_accept`, and then it reads one more answer.
struct evil_plan {
    std::vector<step> opening;
    std::vector<step> after_accept;
    bool hello = true;  // false: no HELLO exchange first, as ferry 0.1 did
};

struct evil_result {
    // "accept", "refuse: <reason>" or "unexpected", then ", verified" or ", no confirmation";
    // with ", error: ..." (or only "error: ...") when the connection ended first.
    std::string answer;
};

// Speaks the real protocol through the relay, but says what its plan says.
class evil_sender {
  public:
    evil_sender(std::uint16_t relay_port, evil_plan plan);
    // Offers `name` and `size`; done_hash: for a 0-byte offer, what to claim as its SHA-256
    // once accepted.
    evil_sender(std::uint16_t relay_port, std::string name, std::uint64_t size,
                std::optional<msg::digest> done_hash = std::nullopt);
    ~evil_sender();
    evil_sender(const evil_sender&) = delete;
    evil_sender& operator=(const evil_sender&) = delete;

    [[nodiscard]] const std::string& code() const { return code_; }
    evil_result finish();

  private:
    evil_plan plan_;
    std::string code_;
    evil_result result_;
    std::thread thread_;
};

// Runs the plan against a real receiver (--yes) into `out`; returns its exit code, with its
// stderr in `errors` and, when `result` is given, what the hostile sender saw there.
int receive_from(const relay_fixture& relay, const fs::path& out, evil_plan plan,
                 std::string& errors, const std::vector<std::string>& receiver_args = {"--yes"},
                 evil_result* result = nullptr);

// --- Trees (OFFER kind 3) ---

// One entry of a tree as a test states it: a file with its content, a folder or a symlink.
struct tree_entry {
    msg::entry_type type = msg::entry_type::file;
    std::string path;
    std::string content;  // a file's bytes
    std::string target;   // a symlink's
};
tree_entry file_entry(std::string path, std::string content = "x");
tree_entry folder_entry(std::string path);
tree_entry symlink_entry(std::string path, std::string target);

// The ENTRY record for it: mode 0644 (0755 for a folder), size that of its content.
msg::entry entry_of(const tree_entry& e);

// The OFFER those entries make, in the way an honest sender would count them: the top-level
// items are the entries without a '/', in order; an item's files and size are the files at or
// below it (files below a top-level file, or outside every item, are not counted: the codec
// refuses such an offer); the folder and symlink totals count every folder and symlink entry.
msg::offer tree_offer(const std::vector<tree_entry>& entries);

// What an honest sender sends for those entries once accepted: each ENTRY, a file's bytes in
// one DATA record (none for an empty file) and its FILE_END with the right digest; then, if
// `with_done`, a DONE with the right digest of them all.
std::vector<step> tree_steps(const std::vector<tree_entry>& entries, bool with_done = true);

// tree_offer and tree_steps together: a plan that is right in every way, for a test to change.
evil_plan tree_plan(const std::vector<tree_entry>& entries);

// An ENTRY record's payload encoded without the codec's limits (a path over 4096 bytes).
raw_record unchecked_entry(const msg::entry& e);

}  // namespace ferry::test
