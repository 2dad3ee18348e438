#include "tests/support/ferry_commands.hpp"

#include <algorithm>
#include <chrono>

namespace ferry::test {

namespace {

// ferry `command` --relay RELAY, `extra`, then `paths` (`quiet`: with -q after the command).
std::vector<std::string> command_line(const std::string& command, bool quiet,
                                      const std::string& relay,
                                      const std::vector<std::string>& extra,
                                      const std::vector<fs::path>& paths) {
    std::vector<std::string> args{command};
    if (quiet) args.emplace_back("-q");
    args.insert(args.end(), {"--relay", relay});
    args.insert(args.end(), extra.begin(), extra.end());
    for (const auto& p : paths)
        args.push_back(p.string());
    return args;
}

}  // namespace

finished_command run_ferry(const std::vector<std::string>& args,
                           const std::vector<std::string>& extra_env) {
    std::vector<std::string> command{ferry_binary()};
    command.insert(command.end(), args.begin(), args.end());
    process p(command, extra_env);
    const int code = p.wait(std::chrono::seconds(30));
    return {code, p.output(), p.error_output()};
}

sender_process start_ferry(const std::vector<std::string>& args,
                           const std::vector<std::string>& extra_env, input in) {
    std::vector<std::string> command{ferry_binary()};
    command.insert(command.end(), args.begin(), args.end());
    sender_process s;
    s.proc = std::make_unique<process>(command, extra_env, in);
    s.first_line = s.proc->read_line(std::chrono::seconds(30));
    const std::string marker = "Code: ";
    const auto at = s.first_line.find(marker);
    if (at != std::string::npos) {
        s.code = s.first_line.substr(at + marker.size());
    } else if (std::find(args.begin(), args.end(), "-q") != args.end()) {
        s.code = s.first_line;
    }
    return s;
}

sender_process start_sender(const std::string& relay, const fs::path& file,
                            const std::vector<std::string>& extra) {
    return start_ferry(command_line("send", true, relay, extra, {file}));
}

sender_process start_sender(const std::string& relay, const std::vector<fs::path>& paths,
                            const std::vector<std::string>& extra) {
    return start_ferry(command_line("send", true, relay, extra, paths));
}

sender_process start_loud_sender(const std::string& relay, const std::vector<fs::path>& paths,
                                 const std::vector<std::string>& extra) {
    return start_ferry(command_line("send", false, relay, extra, paths));
}

sender_process start_share(const std::string& relay, const std::vector<fs::path>& paths,
                           const std::vector<std::string>& extra) {
    return start_ferry(command_line("share", false, relay, extra, paths));
}

std::unique_ptr<process> start_receiver(const std::string& relay, const std::string& code,
                                        const fs::path& out_dir,
                                        const std::vector<std::string>& extra, input in) {
    std::vector<std::string> args{ferry_binary(), "receive", "--relay",
                                  relay,          "-o",      out_dir.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(code);
    return std::make_unique<process>(args, std::vector<std::string>{}, in);
}

std::unique_ptr<process> start_asking_receiver(const std::string& relay, const std::string& code,
                                               const fs::path& out_dir,
                                               const std::vector<std::string>& extra) {
    return start_receiver(relay, code, out_dir, extra, input::terminal);
}

}  // namespace ferry::test
