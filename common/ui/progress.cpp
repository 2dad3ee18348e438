#include "common/ui/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <vector>

#include <fmt/format.h>

#include "common/ui/units.hpp"
#include "common/ui/utf8.hpp"

namespace ferry {

namespace {

constexpr std::size_t min_width = 20;
constexpr std::size_t min_bar = 10;   // cells, before the bar shrinks
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

// " 45% [" + bar + "]" + " 5.51 MiB / 12.4 MiB  512 MiB/s  ETA 0:03", without the label.
struct line_parts {
    std::string percent;
    double fraction = 0;
    std::vector<std::string> extras;  // after the bar: the sizes, the rate, the ETA

    [[nodiscard]] std::size_t columns_without_bar() const {
        std::size_t n = percent.size() + 3;  // " [" and "]"
        for (const auto& e : extras)
            n += e.size() + 2;
        return extras.empty() ? n : n - 1;  // one space after "]", two between the others
    }

    [[nodiscard]] std::string compose(std::string_view label, std::size_t cells) const {
        const auto filled = static_cast<std::size_t>(fraction * static_cast<double>(cells));
        std::string out(label);
        if (!out.empty()) out.append(label_gap, ' ');
        out += percent + " [";
        out.append(filled, '#');
        out.append(cells - filled, '.');
        out += ']';
        for (std::size_t i = 0; i < extras.size(); ++i)
            out += (i == 0 ? " " : "  ") + extras[i];
        return out;
    }
};

}  // namespace

std::string render_progress(std::string_view label, std::uint64_t done, std::uint64_t total,
                            double bytes_per_second, std::size_t width) {
    if (total == unknown_total) {
        const std::size_t room = width > 0 ? width - 1 : 0;
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
    line_parts parts{fmt::format("{:>3.0f}%", fraction * 100.0),
                     fraction,
                     {fmt::format("{} / {}", format_size(done), format_size(total)),
                      format_rate(bytes_per_second), "ETA " + eta}};
    const std::size_t room = width > 0 ? width - 1 : 0;  // the last column would wrap
    if (!label.empty()) {
        const auto fixed = parts.columns_without_bar() + label_gap;
        const auto columns = utf8::length(label);
        if (fixed + columns + min_bar <= room) return parts.compose(label, room - fixed - columns);
        if (fixed + min_label + min_bar <= room) {
            return parts.compose(shortened(label, room - fixed - min_bar), min_bar);
        }
    }
    // No label: drop the rate, then the ETA, then the sizes, while the bar would be too short.
    while (!parts.extras.empty() && parts.columns_without_bar() + min_bar > room) {
        parts.extras.erase(parts.extras.begin() + (parts.extras.size() > 1 ? 1 : 0));
    }
    const auto fixed = parts.columns_without_bar();
    return parts.compose({}, room > fixed ? room - fixed : 0);
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

void progress_bar::relabel(std::string label, std::string suffix) {
    label_ = std::move(label);
    suffix_ = std::move(suffix);
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
    // The suffix only when the figures keep room enough beside it.
    const auto suffix =
        suffix_.empty() || suffix_.size() + 2 + 40 > width ? std::string() : "  " + suffix_;
    const auto line = render_progress(label_, done, total_, average_rate(), width - suffix.size());
    fmt::print(out_, "\r{}{}\x1b[K", line, suffix);
    std::fflush(out_);
    open_status_line(out_);
}

}  // namespace ferry
