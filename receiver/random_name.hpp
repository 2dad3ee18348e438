#pragma once

#include <string>
#include <string_view>

namespace ferry::receiver {

// 16 random hex digits for a name in the target folder (".ferry-<them>"). Never predictable:
// another user could have prepared such a name in a shared folder. Throws failure(internal),
// naming `what` ("the file being received"), if the system's generator fails.
std::string random_hex(std::string_view what);

}  // namespace ferry::receiver
