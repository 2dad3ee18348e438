#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/crypto/sha256.hpp"
#include "common/transfer/message.hpp"
#include "receiver/receiver.hpp"

// The receiver's words about an offer: what it is, the Accept? question, and the line that says
// what was saved where.
namespace ferry::receiver {

// "a text (12 bytes)", "'stdin' (size unknown)", "'report.pdf' (12.4 MiB)".
std::string describe_offer(const msg::offer& offered);

// "./" or "standard output".
std::string where_to(const options& opts);

// The question for a file, stream or text offer; `name` is where it goes, `kept` the bytes of
// it an interrupted transfer left here.
std::string file_question(const msg::offer& offered, const std::string& name,
                          const std::string& where, std::uint64_t kept);

// The question for a tree offer: "Receive 3 items: report.pdf, photos/ (1,202 files, 3.1 GiB)
// as 'photos (1)/', notes.txt — 3.2 GiB into ./? Accept?"; `names` are where each item goes,
// `kept` the bytes an interrupted transfer left here.
std::string tree_question(const msg::offer& offer, const std::vector<std::string>& names,
                          const std::string& where, std::uint64_t kept = 0);

// The last line of a file, stream or text received whole: `saved` is its name, `bytes` what
// went to standard output, `digest` its checked SHA-256.
void print_received(const options& opts, const msg::offer& offered, const std::string& saved,
                    std::uint64_t bytes, const sha256_digest& digest);

// The last line of a tree received whole: the first names it was saved under and its totals.
void print_tree_saved(const options& opts, const msg::offer& offered,
                      const std::vector<std::string>& names);

}  // namespace ferry::receiver
