#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace ferry {

// Text from the network made safe for a terminal. Never printed raw: C0 controls (ESC included),
// DEL and bytes that are not valid UTF-8 are shown as \xNN; C1 controls and format characters
// (bidi controls, zero-width ones, U+FEFF and the rest of category Cf) as \u{202e}.
std::string printable(std::string_view s);

// A folder as messages show it: printable, ending in '/' ("./", "downloads/").
std::string printable_folder(const std::filesystem::path& dir);

}  // namespace ferry
