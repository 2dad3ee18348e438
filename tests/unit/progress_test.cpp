#include <catch2/catch.hpp>

#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "common/ui/progress.hpp"
#include "common/ui/utf8.hpp"

using namespace ferry;

namespace {

// A stream in memory, read back as a string.
class memory_stream {
  public:
    memory_stream() : file_(open_memstream(&data_, &size_)) { REQUIRE(file_ != nullptr); }
    ~memory_stream() {
        if (file_ != nullptr) std::fclose(file_);
        std::free(data_);
    }
    memory_stream(const memory_stream&) = delete;
    memory_stream& operator=(const memory_stream&) = delete;
    std::FILE* file() { return file_; }
    std::string text() {
        std::fflush(file_);
        return {data_, size_};
    }

  private:
    char* data_ = nullptr;
    std::size_t size_ = 0;
    std::FILE* file_;
};

}  // namespace

TEST_CASE("the progress line has bar bytes rate and ETA and fits the width", "[progress]") {
    const auto line = render_progress("report.pdf", 50, 100, 10.0, 80);
    CHECK_THAT(line, Catch::StartsWith("report.pdf   50% ["));
    CHECK_THAT(line, Catch::Contains("] 50 B / 100 B  10 B/s  ETA 0:05"));
    CHECK(line.size() <= 80);
    const auto bar_start = line.find('[');
    const auto bar_end = line.find(']');
    const auto bar = line.substr(bar_start + 1, bar_end - bar_start - 1);
    CHECK(std::count(bar.begin(), bar.end(), '#') == static_cast<long>(bar.size() / 2));
    CHECK_THAT(render_progress("x", 0, 100, 0, 80), Catch::Contains("ETA --:--"));
    CHECK_THAT(render_progress("x", 100, 100, 5, 80), Catch::Contains("100% [####"));
    CHECK_THAT(render_progress("x", 0, 0, 0, 80), Catch::Contains("100%"));
    const auto narrow = render_progress(std::string(200, 'n'), 1, 2, 1, 60);
    CHECK(narrow.size() <= 60);
    CHECK_THAT(narrow, Catch::Contains("..."));
}

TEST_CASE("the progress line fits every terminal from 20 columns up", "[progress]") {
    std::string accents;
    std::string cjk;
    for (int i = 0; i < 40; ++i) {
        accents += "r\xc3\xa9sum\xc3\xa9";
        cjk += "\xe6\x96\x87";
    }
    const std::vector<std::string> labels{"",
                                          "x",
                                          "report.pdf",
                                          std::string(30, 'a'),
                                          std::string(200, 'n'),
                                          accents,
                                          cjk,
                                          "invoice\\u{202e}fdp.exe"};
    struct state {
        std::uint64_t done, total;
        double rate;
    };
    const std::vector<state> states{{0, 0, 0},
                                    {1, 2, 1},
                                    {50, 100, 10},
                                    {5'780'000'000, 13'002'342'000, 612'000'000},
                                    {1ULL << 40, 1ULL << 41, 1.5}};
    for (std::size_t width = 20; width <= 240; ++width) {
        for (const auto& label : labels) {
            for (const auto& s : states) {
                const auto line = render_progress(label, s.done, s.total, s.rate, width);
                INFO(fmt::format("width {}: '{}'", width, line));
                CHECK(utf8::length(line) < width);
                CHECK(utf8::valid(line));
                CHECK_THAT(line, Catch::Contains("%"));
                if (width >= 60) CHECK_THAT(line, Catch::Contains("% [") && Catch::Contains("]"));
                const auto open = line.find('[');
                if (open != std::string::npos) CHECK(line.find(']') - open + 1 <= 60);
            }
        }
    }
    // A shortened label is cut between code points.
    const auto cut = render_progress(cjk, 1, 2, 1, 70);
    CHECK_THAT(cut, Catch::StartsWith("\xe6\x96\x87"));
    CHECK_THAT(cut, Catch::Contains("...   50% ["));
}

TEST_CASE("at 40 columns the name, rate and ETA stay and the bar goes", "[progress]") {
    const auto line = render_progress("report.pdf", 50, 100, 10, 40);
    CHECK(line == "report.pdf   50%  10 B/s  ETA 0:05");
    const auto big = render_progress("report.pdf", 5'780'000'000, 13'002'342'000, 612'000'000, 40);
    INFO(big);
    CHECK(utf8::length(big) < 40);
    CHECK_THAT(big, Catch::StartsWith("report.pdf   44%  ") && Catch::Contains("MiB/s") &&
                        Catch::EndsWith("ETA 0:11"));
    // A long name is shortened, not dropped.
    const auto long_name = render_progress(std::string(200, 'n'), 1, 2, 1, 40);
    INFO(long_name);
    CHECK(utf8::length(long_name) < 40);
    CHECK_THAT(long_name, Catch::StartsWith("nnnnn") && Catch::Contains("...   50%  1 B/s  ETA"));
    // Only below that does the name go, then the rate.
    CHECK(render_progress("report.pdf", 1, 2, 1, 25) == "repor...   50%  ETA 0:01");
    CHECK(render_progress("report.pdf", 1, 2, 1, 20) == " 50%  ETA 0:01");
}

TEST_CASE("at 80 columns everything shows, and at 200 the bar stops at 60 columns", "[progress]") {
    const auto line = render_progress("report.pdf", 50, 100, 10, 80);
    CHECK(line.size() == 79);
    CHECK_THAT(line, Catch::StartsWith("report.pdf   50% [") &&
                         Catch::EndsWith("] 50 B / 100 B  10 B/s  ETA 0:05"));
    const auto wide = render_progress("report.pdf", 50, 100, 10, 200);
    INFO(wide);
    const auto open = wide.find('[');
    const auto close = wide.find(']');
    CHECK(close - open + 1 == 60);
    CHECK(wide == "report.pdf   50% [" + std::string(29, '#') + std::string(29, '.') +
                      "] 50 B / 100 B  10 B/s  ETA 0:05");
}

TEST_CASE("a tree's progress shows the file count after the figures", "[progress]") {
    memory_stream out;
    progress_bar bar("photos/", 100, true, out.file());  // not a terminal: 80 columns
    bar.relabel("a.jpg");
    bar.count_files(3, 200);
    bar.update(50);
    CHECK_THAT(out.text(),
               Catch::Contains("a.jpg   50% [") && Catch::EndsWith("  3/200 files\x1b[K"));
    bar.count_files(200, 200);
    bar.finish();
    CHECK_THAT(out.text(), Catch::EndsWith("  200/200 files\x1b[K\n"));
}

TEST_CASE("a status line is ended before anything else is printed", "[progress]") {
    memory_stream out;
    REQUIRE_FALSE(status_line_open());
    {
        progress_bar bar("report.pdf", 100, true, out.file());
        bar.update(50);
        CHECK(status_line_open());
        end_status_line();  // what cli/main.cpp does before "ferry: ..."
        CHECK_FALSE(status_line_open());
        CHECK_THAT(out.text(), Catch::EndsWith("\x1b[K\n"));
        fmt::print(out.file(), "ferry: something broke\n");
    }
    // The bar, gone without finish(), ended nothing more: the line was no longer open.
    CHECK_THAT(out.text(), Catch::EndsWith("\x1b[K\nferry: something broke\n"));
    end_status_line();
    CHECK_THAT(out.text(), Catch::EndsWith("broke\n"));
    CHECK_FALSE(Catch::EndsWith("broke\n\n").match(out.text()));
}

TEST_CASE("a progress bar gone without finish ends its line", "[progress]") {
    memory_stream out;
    {
        progress_bar bar("report.pdf", 100, true, out.file());
        bar.update(10);  // then a failure mid-transfer unwinds past it
    }
    CHECK_FALSE(status_line_open());
    CHECK_THAT(out.text(), Catch::EndsWith("\x1b[K\n"));
    end_status_line();
    CHECK_FALSE(Catch::EndsWith("\n\n").match(out.text()));

    memory_stream finished;
    {
        progress_bar bar("report.pdf", 100, true, finished.file());
        bar.update(100);
        bar.finish();
        CHECK_FALSE(status_line_open());
    }
    CHECK_THAT(finished.text(), Catch::Contains("100% ["));
    CHECK_THAT(finished.text(), Catch::EndsWith("\x1b[K\n"));
    CHECK_FALSE(Catch::EndsWith("\n\n").match(finished.text()));

    memory_stream quiet;
    {
        progress_bar bar("report.pdf", 100, false, quiet.file());
        bar.update(10);
        CHECK_FALSE(status_line_open());
    }
    CHECK(quiet.text().empty());
}

TEST_CASE("the bar takes the terminal's real width, even a narrow one", "[progress]") {
    int master = -1;
    int slave = -1;
    REQUIRE(::openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
    std::FILE* out = ::fdopen(slave, "w");
    REQUIRE(out != nullptr);
    for (const unsigned short columns : std::initializer_list<unsigned short>{20, 21, 30}) {
        INFO(columns);
        winsize ws{};
        ws.ws_col = columns;
        ws.ws_row = 24;
        REQUIRE(::ioctl(master, TIOCSWINSZ, &ws) == 0);
        {
            progress_bar bar("report.pdf", 100, true, out);
            bar.update(50);
            // Read what the bar drew, up to its erase-to-end-of-line, waiting at most 10 s.
            std::string drawn;
            while (drawn.find("\x1b[K") == std::string::npos) {
                pollfd p{master, POLLIN, 0};
                REQUIRE(::poll(&p, 1, 10'000) == 1);
                char buffer[512];
                const auto n = ::read(master, buffer, sizeof buffer);
                REQUIRE(n > 0);
                drawn.append(buffer, static_cast<std::size_t>(n));
            }
            const auto start = drawn.rfind('\r');
            REQUIRE(start != std::string::npos);
            const auto line = drawn.substr(start + 1, drawn.find("\x1b[K") - start - 1);
            INFO(line);
            CHECK(utf8::length(line) < columns);
            CHECK_THAT(line, Catch::Contains("50%"));
            end_status_line();
        }
    }
    std::fclose(out);
    ::close(master);
}

TEST_CASE("a stream's progress shows bytes and rate, no bar and no ETA", "[progress]") {
    const auto line = render_progress("stdin", 5 * 1024 * 1024, unknown_total, 1024.0 * 1024, 80);
    CHECK(line == "stdin  5.00 MiB  1.00 MiB/s");
    CHECK(render_progress("stdin", 5 * 1024 * 1024, unknown_total, 1024.0 * 1024, 20).size() < 20);
}
