#include "relay/metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

namespace ferry::relay {

std::string_view label(outcome o) {
    static constexpr std::array<std::string_view, static_cast<std::size_t>(outcome::count_)> names{
        "completed",         "ended_early",     "idle_timeout",
        "connection_lost",   "relay_stopped",   "left_while_pairing",
        "sender_left",       "no_receiver",     "relay_stopping",
        "unknown_nameplate", "nameplate_taken", "refused_by_limit",
        "bad_hello",         "hello_timeout",   "not_joined",
        "share_ended",       "unknown_ticket",  "replaced"};
    return names.at(static_cast<std::size_t>(o));
}

std::string_view label(limit l) {
    static constexpr std::array<std::string_view, static_cast<std::size_t>(limit::count_)> names{
        "sessions",           "waiting_per_address", "connections", "connections_per_address",
        "failed_claims",      "share_waiting",       "proxy_from",  "shutting_down",
        "cluster_unavailable"};
    return names.at(static_cast<std::size_t>(l));
}

std::string_view label(link_outcome o) {
    static constexpr std::array<std::string_view, static_cast<std::size_t>(link_outcome::count_)>
        names{"completed", "connection_lost", "idle_timeout", "relay_stopped", "unreachable"};
    return names.at(static_cast<std::size_t>(o));
}

namespace {

constexpr std::array<share_end, 5> share_ends{share_end::sender_left, share_end::idle,
                                              share_end::time_limit, share_end::relay_stopping,
                                              share_end::bad_frame};

// The log's name of a share's end (describe()), in a label's form: sender-left is sender_left.
std::string label(share_end why) {
    std::string name(describe(why));
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

double seconds(clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

template <typename T>
void sample(std::string& out, std::string_view name, T value) {
    fmt::format_to(std::back_inserter(out), "{} {}\n", name, value);
}

template <typename T>
void one(std::string& out, std::string_view name, std::string_view type, std::string_view help,
         T value) {
    family(out, name, type, help);
    sample(out, name, value);
}

// The process_* metrics every Prometheus client library exports, from /proc/self.
struct process_stats {
    double cpu_seconds = 0;
    double resident_bytes = 0;
    std::size_t open_fds = 0;
    std::size_t max_fds = 0;
};

process_stats read_process_stats() {
    process_stats s;
    std::ifstream stat("/proc/self/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // Fields after the command name, which is in parentheses and may hold spaces: state is
    // field 3, utime 14, stime 15, rss 24.
    if (const auto close = text.rfind(')'); close != std::string::npos) {
        std::istringstream fields(text.substr(close + 2));
        std::vector<std::string> f{std::istream_iterator<std::string>(fields),
                                   std::istream_iterator<std::string>()};
        if (f.size() > 21) {
            const auto ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
            s.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;
            s.resident_bytes = std::stod(f[21]) * static_cast<double>(::sysconf(_SC_PAGESIZE));
        }
    }
    if (DIR* fds = ::opendir("/proc/self/fd")) {
        while (const dirent* e = ::readdir(fds))
            s.open_fds += e->d_name[0] != '.' ? 1 : 0;
        ::closedir(fds);
        s.open_fds -= 1;  // this directory's own descriptor
    }
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) s.max_fds = rl.rlim_cur;
    return s;
}

void render_process(std::string& out, double started_at) {
    const auto p = read_process_stats();
    one(out, "process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.",
        p.cpu_seconds);
    one(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
        p.resident_bytes);
    one(out, "process_start_time_seconds", "gauge",
        "When the relay started, in seconds since the epoch.", started_at);
    one(out, "process_open_fds", "gauge", "Open file descriptors.", p.open_fds);
    one(out, "process_max_fds", "gauge", "Limit of open file descriptors.", p.max_fds);
}

}  // namespace

histogram::histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void histogram::observe(clock::duration d) {
    const double s = seconds(d);
    const auto at = std::lower_bound(bounds_.begin(), bounds_.end(), s) - bounds_.begin();
    ++counts_.at(static_cast<std::size_t>(at));
    sum_ += s;
    ++count_;
}

void histogram::render(std::string& out, std::string_view name) const {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        cumulative += counts_[i];
        fmt::format_to(std::back_inserter(out), "{}_bucket{{le=\"{}\"}} {}\n", name, bounds_[i],
                       cumulative);
    }
    fmt::format_to(std::back_inserter(out), "{}_bucket{{le=\"+Inf\"}} {}\n", name, count_);
    fmt::format_to(std::back_inserter(out), "{}_sum {}\n{}_count {}\n", name, sum_, name, count_);
}

relay_metrics::relay_metrics()
    : pairing_wait_({0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600}),
      transfer_duration_({0.1, 0.5, 1, 5, 10, 30, 60, 300, 600, 1800, 3600, 14400}),
      started_at_(unix_now()) {}

void relay_metrics::refused(limit l) {
    ++refusals_.at(static_cast<std::size_t>(l));
    ended(outcome::refused_by_limit);
}

void relay_metrics::pair_ended(std::uint64_t sender_to_receiver, std::uint64_t receiver_to_sender,
                               clock::duration took, outcome o) {
    sender_to_receiver_ += sender_to_receiver;
    receiver_to_sender_ += receiver_to_sender;
    transfer_duration_.observe(took);
    ended(o);
}

void relay_metrics::link_ended(std::uint64_t sender_to_receiver, std::uint64_t receiver_to_sender,
                               link_outcome o) {
    sender_to_receiver_ += sender_to_receiver;
    receiver_to_sender_ += receiver_to_sender;
    ++links_.at(static_cast<std::size_t>(o));
}

void relay_metrics::render_cluster(std::string& out, const relay_gauges& now) const {
    one(out, "ferry_relay_cluster_up", "gauge",
        "1 while the relay reaches the cluster's Redis, else 0 (new sessions are refused).",
        now.cluster_up ? 1 : 0);
    one(out, "ferry_relay_cluster_errors_total", "counter",
        "Failed connections to Redis and commands without an answer.", now.cluster_errors);
    one(out, "ferry_relay_cluster_leases", "gauge",
        "Nameplates and reconnects this relay holds in Redis.", now.leases);
    one(out, "ferry_relay_cluster_relays", "gauge",
        "Relays of the cluster listed in Redis (this one too), whose links get room of their own.",
        now.relays);
    one(out, "ferry_relay_links_active", "gauge",
        "Links this relay opened to another relay of the cluster, moving bytes.", now.links_active);
    family(out, "ferry_relay_links_total", "counter",
           "Links this relay opened to another relay (for a client whose sender waits there), "
           "by outcome.");
    for (std::size_t i = 0; i < links_.size(); ++i) {
        fmt::format_to(std::back_inserter(out), "ferry_relay_links_total{{outcome=\"{}\"}} {}\n",
                       label(static_cast<link_outcome>(i)), links_[i]);
    }
    one(out, "ferry_relay_links_accepted_total", "counter",
        "Links from other relays of the cluster accepted.", links_accepted_);
    one(out, "ferry_relay_links_refused_total", "counter",
        "Links refused: not authentic, replayed, out of time or malformed.", links_refused_);
}

void relay_metrics::render_counters(std::string& out, const relay_gauges& now) const {
    one(out, "ferry_relay_connections_accepted_total", "counter",
        "Client connections accepted (refused ones included).", accepted_);
    family(out, "ferry_relay_sessions_ended_total", "counter",
           "Sessions ended, by outcome (a pair, a wait, or a refusal).");
    for (std::size_t i = 0; i < ended_.size(); ++i) {
        fmt::format_to(std::back_inserter(out),
                       "ferry_relay_sessions_ended_total{{outcome=\"{}\"}} {}\n",
                       label(static_cast<outcome>(i)), ended_[i]);
    }
    family(out, "ferry_relay_refusals_total", "counter", "Sessions refused, by the limit reached.");
    for (std::size_t i = 0; i < refusals_.size(); ++i) {
        fmt::format_to(std::back_inserter(out), "ferry_relay_refusals_total{{limit=\"{}\"}} {}\n",
                       label(static_cast<limit>(i)), refusals_[i]);
    }
    family(out, "ferry_relay_bytes_relayed_total", "counter",
           "Bytes moved between paired clients, by direction (running pairs included).");
    fmt::format_to(std::back_inserter(out),
                   "ferry_relay_bytes_relayed_total{{direction=\"sender_to_receiver\"}} {}\n"
                   "ferry_relay_bytes_relayed_total{{direction=\"receiver_to_sender\"}} {}\n",
                   sender_to_receiver_ + now.running_sender_to_receiver,
                   receiver_to_sender_ + now.running_receiver_to_sender);
    one(out, "ferry_relay_shares_opened_total", "counter", "Shares opened (SHARE).",
        shares_opened_);
    family(out, "ferry_relay_shares_ended_total", "counter", "Shares ended, by reason.");
    for (const auto why : share_ends) {
        fmt::format_to(std::back_inserter(out),
                       "ferry_relay_shares_ended_total{{reason=\"{}\"}} {}\n", label(why),
                       shares_ended_.at(static_cast<std::size_t>(why)));
    }
    one(out, "ferry_relay_share_joins_total", "counter",
        "Receivers of shares taken by their sender (JOIN).", share_joins_);
}

std::string relay_metrics::render(const relay_gauges& now) const {
    std::string out;
    out.reserve(8192);
    one(out, "ferry_relay_connections", "gauge", "Open client connections.", now.connections);
    one(out, "ferry_relay_sessions", "gauge",
        "Sessions held against --max-sessions (nameplates in use, reconnects, share receivers).",
        now.sessions);
    one(out, "ferry_relay_senders_waiting", "gauge", "Senders waiting for their receiver.",
        now.senders_waiting);
    one(out, "ferry_relay_pairs_active", "gauge", "Pairs moving bytes.", now.pairs_active);
    one(out, "ferry_relay_shares_open", "gauge", "Shares open.", now.shares_open);
    one(out, "ferry_relay_share_receivers_waiting", "gauge",
        "Receivers of shares waiting for their sender to take them.", now.share_receivers_waiting);
    one(out, "ferry_relay_reconnects_waiting", "gauge",
        "Sides of broken sessions waiting for the other side to reconnect.",
        now.reconnects_waiting);
    render_counters(out, now);
    if (now.clustered) render_cluster(out, now);
    family(out, "ferry_relay_pairing_wait_seconds", "histogram",
           "Time from a sender's ALLOCATE (or a share receiver's claim) to its pairing.");
    pairing_wait_.render(out, "ferry_relay_pairing_wait_seconds");
    family(out, "ferry_relay_transfer_duration_seconds", "histogram",
           "Time from pairing to the end of the pair.");
    transfer_duration_.render(out, "ferry_relay_transfer_duration_seconds");
    family(out, "ferry_relay_build_info", "gauge", "The relay's version; always 1.");
    fmt::format_to(std::back_inserter(out), "ferry_relay_build_info{{version=\"{}\"}} 1\n",
                   FERRY_VERSION);
    render_process(out, started_at_);
    return out;
}

}  // namespace ferry::relay
