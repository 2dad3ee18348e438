#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/common.h>

#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"

namespace ferry::relay {

// Keeps a flood of one kind of event (bad hellos, refused connections) from flooding the log:
// the first event after a quiet interval is logged on its own at once; those within the next
// `interval` are counted by kind and told in one summary line at its end, which starts the next
// interval. Pure bookkeeping with the time passed in, so that it can be tested step by step;
// summarised_log below runs it on the relay's executor.
class log_summary {
  public:
    log_summary(std::string subject, clock::duration interval)
        : subject_(std::move(subject)), interval_(interval) {}

    // An event whose own line is `line`, counted by `kind`, told as the latest by `latest`.
    // Returns what to log now: `line` itself after a quiet interval, the summary of an interval
    // that is over if flush() has not run yet (the event then counts in the next), else nothing.
    std::optional<std::string> note(std::string_view kind, std::string_view latest,
                                    std::string line, clock::time_point now);
    // At the end of an interval: its summary if anything was counted (the next interval starts
    // now), else nothing (and the next event is logged on its own).
    std::optional<std::string> flush(clock::time_point now);
    // What is counted, whatever the time (when the relay stops).
    std::optional<std::string> drain(clock::time_point now);
    // When flush() has a summary to give: the end of the interval, if anything is counted.
    [[nodiscard]] std::optional<clock::time_point> due() const;

  private:
    void count(std::string_view kind, std::string_view latest);
    std::string summary(clock::time_point now);

    std::string subject_;
    clock::duration interval_;
    clock::time_point started_{};  // of the current interval
    bool open_ = false;            // an interval is running (the last event was not quiet)
    std::vector<std::pair<std::string, std::uint64_t>> counts_;  // by kind, in order of first
    std::uint64_t total_ = 0;
    std::string latest_;
};

// A log_summary that logs through spdlog at `level` and flushes itself with a timer at the end of
// each interval, so that a burst is told at once when it is over, not at some later event.
class summarised_log {
  public:
    summarised_log(asio::any_io_executor ex, std::string subject, spdlog::level::level_enum level,
                   clock::duration interval);

    void note(std::string_view kind, std::string_view latest, std::string line);
    // Logs what is counted now and stops the timer (so that a stopping relay is not held up).
    void drain();

  private:
    void arm();
    void log(const std::optional<std::string>& line) const;

    log_summary summary_;
    asio::steady_timer timer_;
    spdlog::level::level_enum level_;
    bool armed_ = false;
};

}  // namespace ferry::relay
