#include "cli/share_command.hpp"

#include "cli/client_commands.hpp"
#include "cli/embedded_relay.hpp"
#include "cli/usage_error.hpp"
#include "common/session/code.hpp"
#include "common/ui/units.hpp"

namespace ferry::cli {

void add_share_options(CLI::App& app, share_settings& s) {
    auto& send = s.opts.send;
    app.add_option("paths", send.paths, "Files and folders to share, any mix");
    app.callback([&send] {
        if (send.paths.empty()) throw CLI::ValidationError("say what to share: files or folders");
    });
    add_relay_address_option(app, s.relay);
    app.add_option("--code-words", send.code_words,
                   "Words in the code (2-8; a share is open long and tried by many: 3)")
        ->check(whole_number_from(min_code_words, max_code_words))
        ->default_val(3);
    app.add_option("--max-receivers", s.opts.max_receivers,
                   "Serve this many downloads, then take no one new (default: no limit)")
        ->type_name("N");
    app.add_option("--expire", s.expire, "Take no one new after this long (e.g. 2h)")
        ->type_name("T");
    app.add_option("--grace", s.grace,
                   "At Ctrl-C or --expire, time running downloads get to finish (default 30s)")
        ->type_name("T");
    app.add_option("--max-failures", s.opts.max_failures,
                   "Wrong codes tolerated; the next one closes the share (default 10)")
        ->type_name("N");
    app.add_option("--limit-rate", s.limit_rate,
                   "Send at most this many bytes a second to each receiver (e.g. 10M)")
        ->type_name("RATE");
    app.add_option("--compress", s.compress, "zstd: auto (the default), off, or a level 1-19")
        ->type_name("MODE");
    app.add_flag("-q,--quiet", send.quiet, "Print only the code, then errors only");
    app.add_flag("--lan", s.lan,
                 "LAN mode even if FERRY_RELAY is set: run a relay here and announce the share on "
                 "the local network");
    app.add_option("--port", s.lan_port, "LAN mode: TCP port of the relay here (default: any free)")
        ->type_name("N");
    app.add_option("--reconnect-for", s.reconnect_for,
                   "When a receiver's connection breaks, reconnect for this long (default 2min; "
                   "0: never)")
        ->type_name("T");
    add_stall_timeout_option(app, s.stall_timeout);
}

void run_share(share_settings& s) {
    auto& send = s.opts.send;
    const auto relay = choose_relay(s.relay, s.lan);
    if (!s.limit_rate.empty()) send.limit_rate = parse_size(s.limit_rate);
    send.compress = parse_compress(s.compress);
    send.reconnect_for = parse_duration(s.reconnect_for);
    send.stall_timeout = parse_stall_timeout(s.stall_timeout);
    if (!s.expire.empty()) s.opts.expire = parse_duration(s.expire);
    s.opts.grace = parse_duration(s.grace);
    if (relay) {
        send.relay = *relay;
        sender::share(s.opts);
        return;
    }
    embedded_relay own(s.lan_port, true);
    send.relay = host_port{"127.0.0.1", own.port()};
    send.lan = true;
    send.lan_port = own.port();
    sender::share(s.opts);
}

}  // namespace ferry::cli
