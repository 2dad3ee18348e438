#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace ferry::test {

namespace fs = std::filesystem;

// A `ferry send` or `ferry share` started, with its first line of stdout and the code in it:
// the whole line with -q, else what follows "Code: " ("Sending <what>. Code: <code>"); the code
// is empty if no such line came within 30 s.
struct sender_process {
    std::unique_ptr<process> proc;
    std::string code;
    std::string first_line;
};
// ferry run to its end (30 s at most), `args` without the binary.
struct finished_command {
    int code;  // the exit code, -1 if it did not end in time
    std::string out;
    std::string err;
};
finished_command run_ferry(const std::vector<std::string>& args,
                           const std::vector<std::string>& extra_env = {});

// `args` without the binary: {"send", "-q", "--relay", ...}.
sender_process start_ferry(const std::vector<std::string>& args,
                           const std::vector<std::string>& extra_env = {}, input in = input::none);

// ferry send -q.
sender_process start_sender(const std::string& relay, const fs::path& file,
                            const std::vector<std::string>& extra = {});
// The same with several paths, files and folders, sent together in this order (one regular
// file alone is still the single-file transfer).
sender_process start_sender(const std::string& relay, const std::vector<fs::path>& paths,
                            const std::vector<std::string>& extra = {});
// ferry send without -q: its first line is "Sending <what>. Code: <code>", and the walk's
// notices ("skipped ...") go to stderr.
sender_process start_loud_sender(const std::string& relay, const std::vector<fs::path>& paths,
                                 const std::vector<std::string>& extra = {});
// ferry share (not quiet: a test reads its log).
sender_process start_share(const std::string& relay, const std::vector<fs::path>& paths,
                           const std::vector<std::string>& extra = {});

// ferry receive -o OUT_DIR, `extra`, CODE (`in`: its stdin).
std::unique_ptr<process> start_receiver(const std::string& relay, const std::string& code,
                                        const fs::path& out_dir,
                                        const std::vector<std::string>& extra = {"--yes"},
                                        input in = input::none);
// ferry receive with its stdin on a terminal the test types into, no --yes.
std::unique_ptr<process> start_asking_receiver(const std::string& relay, const std::string& code,
                                               const fs::path& out_dir,
                                               const std::vector<std::string>& extra = {});

}  // namespace ferry::test
