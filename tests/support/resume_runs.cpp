#include "tests/support/resume_runs.hpp"

#include <csignal>
#include <fstream>

#include "tests/support/ferry_commands.hpp"
#include "tests/support/forwarder.hpp"
#include "tests/support/wait.hpp"

namespace ferry::test {

using namespace std::chrono_literals;

fs::path partial_folder(const fs::path& out) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(out, ec)) {
        if (e.path().filename().string().starts_with(".ferry-partial-")) return e.path();
    }
    return {};
}

void flip_byte(const fs::path& path, std::uint64_t at) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(at));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(at));
    f.put(static_cast<char>(c ^ 0x5a));
}

first_try run_interrupted(const std::string& relay, const std::vector<fs::path>& paths,
                          const fs::path& out, const std::function<bool()>& reached, stop how,
                          std::vector<std::string> sender_args) {
    const bool receiver_side = how == stop::receiver_killed || how == stop::receiver_interrupted;
    const bool hard = how == stop::receiver_killed || how == stop::sender_killed;
    if (hard) sender_args.insert(sender_args.end(), {"--reconnect-for", "0"});
    first_try t;
    auto s = start_sender(relay, paths, sender_args);
    t.started = !s.code.empty();
    if (!t.started) return t;
    auto r = start_receiver(relay, s.code, out, {"--yes"});
    t.reached = wait_until(reached, 60s);
    (receiver_side ? *r : *s.proc).kill(hard ? SIGKILL : SIGINT);
    t.receiver_exit = r->wait(30s);
    s.proc->wait(30s);
    t.receiver_errors = r->error_output();
    return t;
}

first_try run_on_full_disk(const std::string& relay, const std::vector<fs::path>& paths,
                           const fs::path& out, std::uint64_t limit) {
    first_try t;
    auto s = start_sender(relay, paths);
    t.started = !s.code.empty();
    if (!t.started) return t;
    process r({"/usr/bin/prlimit", "--fsize=" + std::to_string(limit), ferry_binary(), "receive",
               "--relay", relay, "-o", out.string(), "--yes", s.code});
    t.receiver_exit = r.wait();
    s.proc->wait();
    t.reached = true;
    t.receiver_errors = r.error_output();
    return t;
}

second_try run_again(const relay_fixture& relay, const std::vector<fs::path>& paths,
                     const fs::path& out, const std::vector<std::string>& receiver_args,
                     const std::vector<std::string>& sender_args) {
    forwarder counter(relay.port(), forwarder::tamper::count);
    second_try t;
    auto s = start_sender(relay.address(), paths, sender_args);
    t.started = !s.code.empty();
    if (!t.started) return t;
    auto r = start_receiver(counter.address(), s.code, out, receiver_args);
    t.receiver_exit = r->wait(120s);
    t.sender_exit = s.proc->wait(30s);
    t.receiver_errors = r->error_output();
    t.sender_errors = s.proc->error_output();
    t.crossed = counter.crossed();
    return t;
}

}  // namespace ferry::test
