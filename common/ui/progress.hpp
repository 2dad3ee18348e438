#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <chrono>

namespace ferry {

// One line: "report.pdf   45% [#####.....] 5.51 MiB / 12.4 MiB  512 MiB/s  ETA 0:03" for a
// terminal `width` columns wide (20 or more), in at most width - 1 columns so that the cursor
// never wraps; the bar is at most 60 columns wide. When it does not fit, the label is shortened,
// then the bar shrinks, then the sizes and the bar are dropped ("report.pdf   45%  512 MiB/s  ETA
// 0:03" at 40 columns), then the rate, then the label. Columns are counted in code points.
std::string render_progress(std::string_view label, std::uint64_t done, std::uint64_t total,
                            double bytes_per_second, std::size_t width);
// A total not known in advance (a stream): the line shows the bytes so far and the rate, no bar
// and no ETA.
inline constexpr std::uint64_t unknown_total = ~std::uint64_t{0};

// Process-wide: the stream on which a status line (drawn over with \r, not yet ended by a
// newline) is open. A message printed there must first end that line, or it is glued to it.
void open_status_line(std::FILE* out);
[[nodiscard]] bool status_line_open();
// Ends the open status line with a newline, if there is one.
void end_status_line();

// A progress bar redrawn in place on a terminal at most ten times a second; does nothing when
// disabled (not a terminal, or --quiet). Destroyed without finish() (a failure mid-transfer), it
// ends its line, so that what comes next starts on a line of its own.
class progress_bar {
  public:
    using clock = std::chrono::steady_clock;

    progress_bar(std::string label, std::uint64_t total, bool enabled, std::FILE* out = stderr);
    ~progress_bar();
    progress_bar(const progress_bar&) = delete;
    progress_bar& operator=(const progress_bar&) = delete;
    void update(std::uint64_t done);
    // Whether the next update() draws: a caller with a label that changes often (the file of a
    // tree being moved) makes it only then, and before finish().
    [[nodiscard]] bool due() const;
    // A new label; drawn at the next update().
    void relabel(std::string label) { label_ = std::move(label); }
    // Files done of a tree, shown after the figures ("517/1,204 files") where there is room.
    void count_files(std::uint64_t done, std::uint64_t total) {
        files_done_ = done;
        files_total_ = total;
    }
    // A resumed transfer: `done` bytes were there before it started, and count in the figures
    // but not in the rate.
    void resume_at(std::uint64_t done) { base_ = done_ = done; }
    void finish();                              // draws the last state and ends the line
    [[nodiscard]] double average_rate() const;  // bytes per second since the start

  private:
    void draw(std::uint64_t done);

    std::string label_;
    std::uint64_t files_done_ = 0;
    std::uint64_t files_total_ = 0;  // 0: not a tree, no count shown
    std::uint64_t total_;
    bool enabled_;
    std::FILE* out_;
    clock::time_point start_{clock::now()};
    clock::time_point last_draw_{};
    std::uint64_t done_ = 0;
    std::uint64_t base_ = 0;
    bool drawn_ = false;
};

}  // namespace ferry
