#pragma once

#include <string_view>

// The cluster secret the link fuzz target and its seeds share, so that the fuzzer starts from
// authentic LINKs instead of having to guess an HMAC tag.
namespace ferry::fuzz {
inline constexpr std::string_view link_secret = "the fuzz cluster secret";
}
