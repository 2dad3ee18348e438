#include "common/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "common/units.hpp"

namespace ferry {

namespace {

std::size_t terminal_width(std::FILE* out) {
    winsize ws{};
    if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
    return 80;
}

}  // namespace

std::string render_progress(std::string_view label, std::uint64_t done, std::uint64_t total,
                            double bytes_per_second, std::size_t width) {
    const double fraction =
        total == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
    std::string eta = "--:--";
    if (done >= total) {
        eta = "0:00";
    } else if (bytes_per_second > 0) {
        eta = format_eta(std::chrono::seconds(
            static_cast<long>(static_cast<double>(total - done) / bytes_per_second)));
    }
    const auto tail = fmt::format("] {} / {}  {}  ETA {}", format_size(done), format_size(total),
                                  format_rate(bytes_per_second), eta);
    auto head = fmt::format("{:>3.0f}% [", fraction * 100.0);
    std::string name(label);
    // Room for the bar: at least 10 cells; shorten the label first.
    const std::size_t fixed = head.size() + tail.size() + 2;
    if (fixed + name.size() + 10 > width) {
        const std::size_t room = width > fixed + 10 ? width - fixed - 10 : 0;
        if (name.size() > room) name = room > 3 ? name.substr(0, room - 3) + "..." : "";
    }
    const std::size_t used = fixed + name.size();
    const std::size_t cells = width > used ? std::max<std::size_t>(width - used, 10) : 10;
    const auto filled = static_cast<std::size_t>(fraction * static_cast<double>(cells));
    std::string bar(filled, '#');
    bar.append(cells - filled, '.');
    return name.empty() ? head + bar + tail : name + "  " + head + bar + tail;
}

progress_bar::progress_bar(std::string label, std::uint64_t total, bool enabled, std::FILE* out)
    : label_(std::move(label)), total_(total), enabled_(enabled), out_(out) {}

void progress_bar::update(std::uint64_t done) {
    done_ = done;
    if (!enabled_) return;
    const auto now = clock::now();
    if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    draw(done);
}

void progress_bar::finish() {
    if (!enabled_) return;
    draw(done_);
    std::fputc('\n', out_);
    std::fflush(out_);
}

double progress_bar::average_rate() const {
    const auto seconds = std::chrono::duration<double>(clock::now() - start_).count();
    return seconds > 0 ? static_cast<double>(done_) / seconds : 0.0;
}

void progress_bar::draw(std::uint64_t done) {
    drawn_ = true;
    const auto line =
        render_progress(label_, done, total_, average_rate(), terminal_width(out_) - 1);
    fmt::print(out_, "\r{}\x1b[K", line);
    std::fflush(out_);
}

}  // namespace ferry
