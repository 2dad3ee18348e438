#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace ferry::receiver {

// The name to try when `name` exists: "report.pdf", 2 -> "report (2).pdf"; "notes" -> "notes (2)";
// ".bashrc" -> ".bashrc (2)"; known double extensions stay whole: "arch.tar.gz" ->
// "arch (2).tar.gz" (a leading dot belongs to the name: ".tar.gz" -> ".tar (2).gz").
std::string numbered_name(std::string_view name, int n);

// Offers `name`, then its numbered names (a folder's: "photos (1)", never split at a dot) to
// `take` until it takes one (returns true); returns that one. failure(local_io) after 10,000.
std::string first_taken_name(std::string_view name,
                             const std::function<bool(const std::string&)>& take,
                             bool folder = false);

}  // namespace ferry::receiver
