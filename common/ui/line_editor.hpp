#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// A one-line editor for a prompt on a raw terminal: typing, Backspace, Ctrl-U, Tab completion.
namespace ferry {

// What Tab makes of the line: the new line, and the choices to list when several fit.
struct completion {
    std::string line;
    std::vector<std::string> choices;
};
using completer = std::function<completion(std::string_view line)>;

// The editing itself, byte by byte, without a terminal (so that it can be tested).
class line_editor {
  public:
    enum class state { editing, done, cancelled, interrupted };

    explicit line_editor(completer complete) : complete_(std::move(complete)) {}

    // One byte typed: printable ASCII is added; Backspace/DEL, Ctrl-U (clear), Tab, Enter,
    // Ctrl-D (on an empty line: cancelled) and Ctrl-C (interrupted); escape sequences (arrows)
    // are passed over.
    state feed(char c);
    [[nodiscard]] const std::string& line() const { return line_; }
    // The choices of the last Tab that had several, once (empty if none).
    std::vector<std::string> take_choices() { return std::exchange(choices_, {}); }

  private:
    completer complete_;
    std::string line_;
    std::vector<std::string> choices_;
    int escape_ = 0;  // 1: after ESC, 2: inside a CSI sequence
};

// Reads a line typed on the terminal of standard input, echoed on standard error after
// `prompt`, in raw mode (restored however this ends). nullopt for Ctrl-D on an empty line;
// failure(interrupted) for Ctrl-C.
std::optional<std::string> read_line_on_terminal(std::string_view prompt, const completer& complete,
                                                 std::size_t max_length = 256);

}  // namespace ferry
