#define CATCH_CONFIG_RUNNER
#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
    spdlog::set_level(spdlog::level::warn);
    Catch::Session session;
    if (const int bad = session.applyCommandLine(argc, argv); bad != 0) return bad;
    // Catch 2 takes one -w per run and ctest passes -w NoAssertions; a test name that matches
    // nothing (a name ctest mangled) must fail too.
    auto& config = session.configData();
    config.warnings =
        static_cast<Catch::WarnAbout::What>(config.warnings | Catch::WarnAbout::NoTests);
    return session.run();
}
