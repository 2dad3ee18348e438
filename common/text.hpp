#pragma once

#include <string>
#include <string_view>

namespace ferry {

// Text from the network made safe for a terminal: control characters (ESC included) and bytes
// that are not UTF-8 are shown as \xNN, never printed raw.
std::string printable(std::string_view s);

}  // namespace ferry
