#pragma once

#include <string>
#include <string_view>

namespace ferry::receiver {

// The name to try when `name` exists: "report.pdf", 2 -> "report (2).pdf"; "notes" -> "notes (2)";
// ".bashrc" -> ".bashrc (2)"; known double extensions stay whole: "arch.tar.gz" ->
// "arch (2).tar.gz" (a leading dot belongs to the name: ".tar.gz" -> ".tar (2).gz").
std::string numbered_name(std::string_view name, int n);

}  // namespace ferry::receiver
