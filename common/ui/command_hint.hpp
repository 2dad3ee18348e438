#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

// A word as a POSIX shell (and zsh) reads it back unchanged: as it is when it holds only
// characters no shell treats specially, else in single quotes ("'[::1]:9009'", "'my files'").
std::string shell_word(std::string_view word);

// The words of a command as a person pastes it: each a shell_word, one space between them.
std::string command_text(const std::vector<std::string>& words);

// "label:  command\n" for a terminal `width` columns wide (0: not a terminal, one line): when it
// does not fit, the label on a line of its own and the command below it, indented, continued with
// " \" between words wherever it is still too wide, so that the terminal never wraps a word (the
// code) and what is copied still pastes as one command.
std::string layout_hint(std::string_view label, const std::vector<std::string>& words,
                        std::size_t width);

// "Sending 'report.pdf' (12.4 MiB). Code: 7-crossover-clockwork\n", with "Code: ..." on a line of
// its own when the whole does not fit a terminal `width` columns wide (0: one line).
std::string layout_code_line(std::string_view before, std::string_view code, std::size_t width);

// Columns of the terminal `out` is on; 0 when it is not a terminal.
std::size_t terminal_columns(std::FILE* out);

}  // namespace ferry
