#include "relay/log_summary.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/ui/units.hpp"

namespace ferry::relay {

std::optional<std::string> log_summary::note(std::string_view kind, std::string_view latest,
                                             std::string line, clock::time_point now) {
    if (open_ && now < started_ + interval_) {
        count(kind, latest);
        return std::nullopt;
    }
    if (total_ > 0) {  // an interval with counts is over and flush() has not run yet
        auto told = summary(now);
        count(kind, latest);
        return told;
    }
    open_ = true;
    started_ = now;
    return line;
}

std::optional<std::string> log_summary::flush(clock::time_point now) {
    if (!open_ || now < started_ + interval_) return std::nullopt;
    if (total_ == 0) {
        open_ = false;
        return std::nullopt;
    }
    return summary(now);
}

std::optional<std::string> log_summary::drain(clock::time_point now) {
    if (total_ == 0) return std::nullopt;
    return summary(now);
}

std::optional<clock::time_point> log_summary::due() const {
    if (total_ == 0) return std::nullopt;
    return started_ + interval_;
}

void log_summary::count(std::string_view kind, std::string_view latest) {
    auto it = std::find_if(counts_.begin(), counts_.end(),
                           [&](const auto& entry) { return entry.first == kind; });
    if (it == counts_.end()) it = counts_.emplace(counts_.end(), std::string(kind), 0);
    ++it->second;
    ++total_;
    latest_ = latest;
}

// "1936 refused connections in 10 s: 1930 over the per-address limit, 6 over the total limit
// (latest: 203.0.113.5:4000)"; the next interval starts now.
std::string log_summary::summary(clock::time_point now) {
    std::string by_kind;
    for (const auto& [kind, n] : counts_)
        by_kind += fmt::format("{}{} {}", by_kind.empty() ? "" : ", ", n, kind);
    auto line = fmt::format(
        "{} {} in {}: {} (latest: {})", total_, subject_,
        format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(now - started_)),
        by_kind, latest_);
    counts_.clear();
    total_ = 0;
    latest_.clear();
    open_ = true;
    started_ = now;
    return line;
}

summarised_log::summarised_log(asio::any_io_executor ex, std::string subject,
                               spdlog::level::level_enum level, clock::duration interval)
    : summary_(std::move(subject), interval), timer_(std::move(ex)), level_(level) {}

void summarised_log::note(std::string_view kind, std::string_view latest, std::string line) {
    log(summary_.note(kind, latest, std::move(line), clock::now()));
    arm();
}

void summarised_log::drain() {
    log(summary_.drain(clock::now()));
    timer_.cancel();
}

void summarised_log::arm() {
    const auto due = summary_.due();
    if (!due || armed_) return;
    armed_ = true;
    timer_.expires_at(*due);
    timer_.async_wait([this](std::error_code ec) {
        armed_ = false;
        if (ec) return;
        log(summary_.flush(clock::now()));
        arm();
    });
}

void summarised_log::log(const std::optional<std::string>& line) const {
    if (line) spdlog::log(level_, "{}", *line);
}

}  // namespace ferry::relay
