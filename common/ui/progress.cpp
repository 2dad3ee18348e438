#include "common/ui/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <optional>

#include <fmt/format.h>

#include "common/ui/units.hpp"
#include "common/ui/utf8.hpp"

namespace ferry {

namespace {

constexpr std::size_t min_width = 20;
constexpr std::size_t min_bar = 10;   // cells, before the bar shrinks
constexpr std::size_t max_bar = 58;   // cells: "[...]" at most 60 columns on a wide terminal
constexpr std::size_t min_label = 8;  // columns of a shortened label, its "..." included
constexpr std::size_t label_gap = 2;  // "  " after the label

std::atomic<std::FILE*> open_line{nullptr};

std::size_t terminal_width(std::FILE* out) {
    winsize ws{};
    if (ioctl(fileno(out), TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) return 80;
    return std::max<std::size_t>(ws.ws_col, min_width);
}

// s cut to `columns` code points, the last three of them "..." (columns >= 3).
std::string shortened(std::string_view s, std::size_t columns) {
    std::size_t end = 0;
    for (std::size_t k = 0; k + 3 < columns && end < s.size(); ++k) {
        end += std::max<std::size_t>(utf8::decode(s, end).length, 1);
    }
    return std::string(s.substr(0, end)) + "...";
}

// Which parts a line shows, tried in this order until one fits: the bar goes first, then the
// sizes; the name (shortened if need be), the rate and the ETA stay down to about 35 columns.
struct shape {
    bool label, bar, sizes, rate, eta;
};
constexpr std::array<shape, 7> shapes{{{true, true, true, true, true},
                                       {true, true, false, true, true},
                                       {true, false, false, true, true},
                                       {true, false, false, false, true},
                                       {false, false, false, true, true},
                                       {false, false, false, false, true},
                                       {false, false, false, false, false}}};

// "report.pdf   45% [#####.....] 5.51 MiB / 12.4 MiB  512 MiB/s  ETA 0:03", in parts.
struct line_parts {
    std::string percent;
    double fraction = 0;
    std::string sizes;
    std::string rate;
    std::string eta;

    [[nodiscard]] std::string compose(const shape& s, std::string_view label,
                                      std::size_t cells) const {
        std::string out(label);
        if (!out.empty()) out.append(label_gap, ' ');
        out += percent;
        if (s.bar) {
            const auto filled = static_cast<std::size_t>(fraction * static_cast<double>(cells));
            out += " [";
            out.append(filled, '#');
            out.append(cells - filled, '.');
            out += ']';
        }
        bool first = true;
        for (const auto* extra :
             {s.sizes ? &sizes : nullptr, s.rate ? &rate : nullptr, s.eta ? &eta : nullptr}) {
            if (extra == nullptr) continue;
            out += (first && s.bar ? " " : "  ") + *extra;
            first = false;
        }
        return out;
    }

    // The line in this shape within `room` columns, if it fits.
    [[nodiscard]] std::optional<std::string> fit(const shape& s, std::string_view label,
                                                 std::size_t room) const {
        const auto fixed = compose(s, {}, 0).size();  // ASCII without the label
        const auto bar = s.bar ? min_bar : 0;
        const auto label_columns = s.label ? utf8::length(label) : 0;
        if (label_columns == 0) {
            if (fixed + bar > room) return std::nullopt;
            return compose(s, {}, s.bar ? std::min(max_bar, room - fixed) : 0);
        }
        const auto least = std::min(label_columns, min_label);
        if (fixed + label_gap + least + bar > room) return std::nullopt;
        const auto for_label = room - fixed - label_gap - bar;
        if (label_columns > for_label) return compose(s, shortened(label, for_label), bar);
        const auto cells = s.bar ? std::min(max_bar, room - fixed - label_gap - label_columns) : 0;
        return compose(s, label, cells);
    }
};

}  // namespace

std::string render_progress(std::string_view label, std::uint64_t done, std::uint64_t total,
                            double bytes_per_second, std::size_t width) {
    const std::size_t room = width > 0 ? width - 1 : 0;  // the last column would wrap
    if (total == unknown_total) {
        const auto figures =
            fmt::format("{}  {}", format_size(done), format_rate(bytes_per_second));
        const auto columns = utf8::length(figures);
        if (!label.empty() && columns + label_gap + min_label <= room) {
            const auto rest = room - columns - label_gap;
            const auto shown =
                utf8::length(label) <= rest ? std::string(label) : shortened(label, rest);
            return shown + std::string(label_gap, ' ') + figures;
        }
        return columns <= room ? figures : format_size(done);
    }
    const double fraction =
        total == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
    std::string eta = "--:--";
    if (done >= total) {
        eta = "0:00";
    } else if (bytes_per_second > 0) {
        eta = format_eta(std::chrono::seconds(
            static_cast<long>(static_cast<double>(total - done) / bytes_per_second)));
    }
    const line_parts parts{fmt::format("{:>3.0f}%", fraction * 100.0), fraction,
                           fmt::format("{} / {}", format_size(done), format_size(total)),
                           format_rate(bytes_per_second), "ETA " + eta};
    for (const auto& s : shapes) {
        if (auto line = parts.fit(s, label, room)) return std::move(*line);
    }
    return parts.percent;  // narrower than any terminal ferry draws on
}

void open_status_line(std::FILE* out) {
    open_line = out;
}

bool status_line_open() {
    return open_line.load() != nullptr;
}

void end_status_line() {
    if (auto* out = open_line.exchange(nullptr)) {
        std::fputc('\n', out);
        std::fflush(out);
    }
}

progress_bar::progress_bar(std::string label, std::uint64_t total, bool enabled, std::FILE* out)
    : label_(std::move(label)), total_(total), enabled_(enabled), out_(out) {}

progress_bar::~progress_bar() {
    if (drawn_ && open_line.load() == out_) end_status_line();
}

void progress_bar::update(std::uint64_t done) {
    done_ = done;
    if (!enabled_) return;
    const auto now = clock::now();
    if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    draw(done);
}

bool progress_bar::due() const {
    return enabled_ && (!drawn_ || clock::now() - last_draw_ >= std::chrono::milliseconds(100));
}

void progress_bar::finish() {
    if (!enabled_) return;
    draw(done_);
    end_status_line();
}

double progress_bar::average_rate() const {
    const auto seconds = std::chrono::duration<double>(clock::now() - start_).count();
    return seconds > 0 ? static_cast<double>(done_ - base_) / seconds : 0.0;
}

void progress_bar::draw(std::uint64_t done) {
    drawn_ = true;
    const auto width = terminal_width(out_);
    // The count only when the figures keep room enough beside it.
    auto suffix = files_total_ == 0
                      ? std::string()
                      : fmt::format("  {}/{} files", grouped(files_done_), grouped(files_total_));
    if (suffix.size() + 40 > width) suffix.clear();
    const auto line = render_progress(label_, done, total_, average_rate(), width - suffix.size());
    fmt::print(out_, "\r{}{}\x1b[K", line, suffix);
    std::fflush(out_);
    open_status_line(out_);
}

}  // namespace ferry
