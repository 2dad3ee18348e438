#include "cli/usage_error.hpp"

#include <charconv>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "common/ui/exit_code.hpp"
#include "common/ui/suggest.hpp"
#include "common/ui/text.hpp"

namespace ferry::cli {

namespace {

// Validators' messages start with this, so that "--code-words: must be ..." becomes a sentence.
constexpr std::string_view must_be = "must be ";

std::vector<std::string> option_names(const CLI::App& app) {
    std::vector<std::string> names;
    for (const auto* opt : app.get_options()) {
        for (const auto& n : opt->get_lnames())
            names.push_back("--" + n);
        for (const auto& n : opt->get_snames())
            names.push_back("-" + n);
    }
    return names;
}

// The app whose arguments were left over: the subcommand named in the error, else the top.
const CLI::App& app_named(const CLI::App& top, const std::string& name) {
    for (const auto* sub : top.get_subcommands())
        if (sub->get_name() == name) return *sub;
    return top;
}

std::string unexpected(const CLI::App& top, const CLI::ExtrasError& e) {
    const auto& app = app_named(top, e.get_name());
    const auto left = app.remaining(false);
    if (left.empty()) return e.what();
    const auto& first = left.front();
    if (first.size() > 1 && first.front() == '-') {
        const auto name = first.substr(0, first.find('='));
        auto text = fmt::format("unknown option '{}'", printable(name));
        if (const auto near = closest(name, option_names(app))) {
            text += fmt::format("; did you mean '{}'?", *near);
        }
        return text;
    }
    if (&app == &top) return unknown_command(top, first);
    return fmt::format("'ferry {}' takes no argument '{}'", app.get_name(), printable(first));
}

// "NAME: rest" → {NAME, rest}; {"", text} without a name.
std::pair<std::string, std::string> split_name(const std::string& text) {
    const auto colon = text.find(": ");
    if (colon == std::string::npos) return {"", text};
    return {text.substr(0, colon), text.substr(colon + 2)};
}

std::string explain(const CLI::App& top, const CLI::ParseError& e) {
    if (const auto* extras = dynamic_cast<const CLI::ExtrasError*>(&e)) {
        return unexpected(top, *extras);
    }
    const std::string what = e.what();
    const auto [name, rest] = split_name(what);
    if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr && !name.empty() &&
        rest.find("missing") != std::string::npos) {
        return fmt::format("{} needs a value after it", name);
    }
    if (dynamic_cast<const CLI::ConversionError*>(&e) != nullptr &&
        what.starts_with("Could not convert: ")) {
        // "Could not convert: --max-sessions = abc"
        const auto body = what.substr(what.find(": ") + 2);
        const auto eq = body.find(" = ");
        if (eq != std::string::npos) {
            // Only ferry's counts and ports are converted by CLI11: the rest are parsed here.
            return fmt::format("{} must be a whole number, not '{}'", body.substr(0, eq),
                               printable(body.substr(eq + 3)));
        }
    }
    if (!name.empty() && rest.starts_with(must_be)) return fmt::format("{} {}", name, rest);
    auto text = what;
    std::replace(text.begin(), text.end(), '\n', ' ');
    return text;
}

}  // namespace

int report_usage(const std::string& sentence, const std::string& command) {
    // A sentence ending in a question (a suggestion) is the whole answer.
    if (sentence.ends_with('?')) {
        fmt::print(stderr, "ferry: {}\n", sentence);
    } else {
        const auto help =
            command.empty() ? std::string("ferry --help") : fmt::format("ferry {} --help", command);
        fmt::print(stderr, "ferry: {}; see '{}'\n", sentence, help);
    }
    return static_cast<int>(exit_code::usage);
}

int report_usage_error(const CLI::App& app, const CLI::ParseError& e) {
    const auto chosen = app.get_subcommands();
    return report_usage(explain(app, e), chosen.empty() ? "" : chosen.front()->get_name());
}

std::string unknown_command(const CLI::App& app, const std::string& typed) {
    std::vector<std::string> commands{"help"};
    for (const auto* sub : app.get_subcommands({})) {
        commands.push_back(sub->get_name());
        for (const auto& alias : sub->get_aliases())
            commands.push_back(alias);
    }
    auto text = fmt::format("unknown command '{}'", printable(typed));
    if (const auto near = closest(typed, commands)) {
        text += fmt::format("; did you mean '{}'?", *near);
    }
    return text;
}

CLI::Validator whole_number_from(int low, int high) {
    return CLI::Validator(
        [low, high](std::string& value) -> std::string {
            int n = 0;
            const auto* end = value.data() + value.size();
            const auto [ptr, ec] = std::from_chars(value.data(), end, n);
            if (ec == std::errc{} && ptr == end && n >= low && n <= high) return {};
            return fmt::format("{}a whole number from {} to {}, not '{}'", must_be, low, high,
                               printable(value));
        },
        "");
}

}  // namespace ferry::cli
