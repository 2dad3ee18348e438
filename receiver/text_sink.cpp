#include "receiver/text_sink.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"
#include "common/ui/text.hpp"

namespace ferry::receiver {

text_sink::text_sink(std::FILE* out) : out_(out) {}

void text_sink::write(byte_span bytes) {
    hash_.update(bytes);
    text_.append(as_chars(bytes));
}

sha256_digest text_sink::finish() {
    return hash_.finish();
}

std::string text_sink::commit(std::string_view /*name*/) {
    const bool terminal = isatty(fileno(out_)) != 0;
    const auto shown = terminal ? text_for_terminal(text_) : text_;
    if (std::fwrite(shown.data(), 1, shown.size(), out_) != shown.size() ||
        std::fflush(out_) != 0) {
        throw failure(exit_code::local_io, "cannot write the text to standard output");
    }
    return {};
}

std::string text_for_terminal(std::string_view text) {
    std::string out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = text.find('\n', start);
        const auto line = text.substr(start, end == std::string_view::npos ? end : end - start);
        out += printable(line);
        if (end == std::string_view::npos) break;
        out += '\n';
        start = end + 1;
    }
    if (out.empty() || out.back() != '\n') out += '\n';
    return out;
}

}  // namespace ferry::receiver
