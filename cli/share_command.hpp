#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "sender/share.hpp"

// `ferry share`: its options, and turning them into the share's.
namespace ferry::cli {

struct share_settings {
    sender::share_options opts;
    std::string relay;
    std::string limit_rate;
    std::string compress = "auto";
    std::string reconnect_for = "2min";
    std::string stall_timeout = "30s";
    std::string expire;
    std::string grace = "30s";
    bool lan = false;
    std::uint16_t lan_port = 0;
};

void add_share_options(CLI::App& app, share_settings& s);
// Throws failure for every error, as the share does.
void run_share(share_settings& s);

}  // namespace ferry::cli
