#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/deadline.hpp"

namespace ferry {

// One line: "report.pdf  45% [#####.....] 5.51 MiB / 12.4 MiB  512 MiB/s  ETA 0:03", fitted to
// width.
std::string render_progress(std::string_view label, std::uint64_t done, std::uint64_t total,
                            double bytes_per_second, std::size_t width);

// A progress bar redrawn in place on a terminal at most ten times a second; does nothing when
// disabled (not a terminal, or --quiet).
class progress_bar {
  public:
    progress_bar(std::string label, std::uint64_t total, bool enabled, std::FILE* out = stderr);
    void update(std::uint64_t done);
    void finish();                              // draws the last state and ends the line
    [[nodiscard]] double average_rate() const;  // bytes per second since the start

  private:
    void draw(std::uint64_t done);

    std::string label_;
    std::uint64_t total_;
    bool enabled_;
    std::FILE* out_;
    clock::time_point start_{clock::now()};
    clock::time_point last_draw_{};
    std::uint64_t done_ = 0;
    bool drawn_ = false;
};

}  // namespace ferry
