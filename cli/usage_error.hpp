#pragma once

#include <string>

#include <CLI/CLI.hpp>

// What a command line that does not parse is told: one sentence a person understands (not
// CLI11's "INT:INT in [2 - 8]" or "1 required TEXT missing"), a suggestion for a near miss, and
// exit code 2.
namespace ferry::cli {

// Prints "ferry: <sentence>; see 'ferry send --help'" (or "ferry: unknown command 'sned'; did
// you mean 'send'?") on stderr; returns exit_code::usage.
int report_usage_error(const CLI::App& app, const CLI::ParseError& e);

// The same for a sentence of ferry's own; `command` is "" at the top.
int report_usage(const std::string& sentence, const std::string& command);

// "unknown command 'sned'; did you mean 'send'?" ('help' and every alias count as commands).
std::string unknown_command(const CLI::App& app, const std::string& typed);

// A check for an integer option whose failure reads "--code-words must be a whole number from 2
// to 8, not '9'" (CLI11's own Range says "Value 9 not in range 2 to 8").
CLI::Validator whole_number_from(int low, int high);

}  // namespace ferry::cli
