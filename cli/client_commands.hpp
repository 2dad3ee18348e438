#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/net/address.hpp"
#include "receiver/receiver.hpp"
#include "sender/sender.hpp"

// `ferry send` and `ferry receive`: their options, and turning them into the sides' options.
namespace ferry::cli {

struct send_settings {
    sender::options opts;
    std::string relay;
    std::string limit_rate;
    std::string compress = "auto";
    std::string reconnect_for = "2min";
    std::string stall_timeout = "30s";
    std::optional<std::string> text;
    bool lan = false;
    std::uint16_t lan_port = 0;
};

struct receive_settings {
    receiver::options opts;
    std::string relay;
    std::vector<std::string> code_parts;
    bool lan = false;
    std::string lan_timeout = "5s";
    std::string accept_timeout = "30min";
    std::string keepalive_interval = "15s";
    std::string reconnect_for = "2min";
    std::string stall_timeout = "30s";
    bool no_resume = false;
    bool discard_partial = false;  // remove what interrupted transfers kept, receive nothing
};

void add_send_options(CLI::App& app, send_settings& s);
// Options `ferry share` has too, with the same words: --relay (as send has it), --stall-timeout,
// and --reconnect-for with --stall-timeout (as send and receive have them).
void add_relay_address_option(CLI::App& app, std::string& relay);
void add_stall_timeout_option(CLI::App& app, std::string& stall_timeout);
void add_reconnect_options(CLI::App& app, std::string& reconnect_for, std::string& stall_timeout);
void add_receive_options(CLI::App& app, receive_settings& s);
// Each throws failure for every error, as the sides do.
void run_send(send_settings& s);
void run_receive(receive_settings& s);

// --compress: "auto", "off" or a zstd level 1..19; failure(usage) otherwise.
int parse_compress(const std::string& value);

// --stall-timeout: a duration of 3 s or more; failure(usage) otherwise (a keepalive goes out
// every second: a shorter limit would take a busy machine's pause for a dead path).
std::chrono::milliseconds parse_stall_timeout(const std::string& value);

// Where to meet: --relay, else LAN mode if --lan, else $FERRY_RELAY, else LAN mode (nullopt).
std::optional<host_port> choose_relay(const std::string& flag, bool lan);

}  // namespace ferry::cli
