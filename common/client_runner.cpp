#include "common/client_runner.hpp"

#include <csignal>

#include <fmt/format.h>

#include "common/exit_code.hpp"
#include "common/race.hpp"
#include "common/units.hpp"
#include "common/wire_error.hpp"

namespace ferry {

void run_client(const std::function<awaitable<void>(deadline& activity)>& work) {
    asio::io_context io(1);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    deadline activity;
    std::exception_ptr error;

    bool interrupted = false;
    auto wait_signal = [&]() -> awaitable<void> {
        co_await signals.async_wait(use_awaitable);
        interrupted = true;
    };
    auto stopper = [&]() -> awaitable<void> { co_await race(watchdog(activity), wait_signal()); };
    auto main = [&]() -> awaitable<void> {
        const auto ended = co_await race(work(activity), stopper());
        if (ended == 1 && interrupted) throw failure(exit_code::interrupted, "interrupted");
        if (ended == 1) {
            throw failure(
                exit_code::network,
                fmt::format("nothing happened for {}; giving up",
                            format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(
                                activity.idle))));
        }
    };
    asio::co_spawn(io, main(), [&](std::exception_ptr e) { error = std::move(e); });
    io.run();
    if (!error) return;
    try {
        std::rethrow_exception(error);
    } catch (const failure&) {
        throw;
    } catch (const integrity_error& e) {
        throw failure(exit_code::integrity, fmt::format("integrity check failed: {}", e.what()));
    } catch (const wire_error& e) {
        throw failure(exit_code::network, fmt::format("protocol error: {}", e.what()));
    } catch (const connection_closed&) {
        throw failure(exit_code::peer, "the other side went away before the transfer finished");
    } catch (const std::system_error& e) {
        throw failure(exit_code::network, fmt::format("network error: {}", e.code().message()));
    } catch (const std::bad_alloc&) {
        throw failure(exit_code::internal, "out of memory");
    }
}

}  // namespace ferry
