#pragma once

#include <cstddef>
#include <string>

#include <CLI/CLI.hpp>

// `ferry --help` fitted to the terminal: descriptions wrapped at word boundaries, and each
// option's value named plainly (--code-words N, not INT:INT in [2 - 8]=2).
namespace ferry::cli {

class help_format : public CLI::Formatter {
  public:
    explicit help_format(std::size_t width);

    std::string make_option_opts(const CLI::Option* opt) const override;
    std::string make_option_desc(const CLI::Option* opt) const override;
    std::string make_subcommand(const CLI::App* sub) const override;
    std::string make_description(const CLI::App* app) const override;
    std::string make_footer(const CLI::App* app) const override;

  private:
    std::size_t width_;
};

// Standard output's terminal width; else $COLUMNS; else 80. Never below 40.
std::size_t help_width();

// `text` broken at spaces into lines of at most `width` characters (a longer word alone on its
// line), joined by '\n'.
std::string wrap_text(const std::string& text, std::size_t width);

}  // namespace ferry::cli
