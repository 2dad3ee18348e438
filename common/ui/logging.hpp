#pragma once

namespace ferry {

// spdlog's default logger to stderr with a timestamped pattern; verbose adds debug lines.
void setup_logging(bool verbose);

}  // namespace ferry
