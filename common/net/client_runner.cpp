#include "common/net/client_runner.hpp"

#include <csignal>
#include <optional>

#include <fmt/format.h>

#include "common/net/race.hpp"
#include "common/net/stop_signal.hpp"
#include "common/ui/exit_code.hpp"
#include "common/ui/units.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry {

namespace {

// One client command on its own io_context: the work, raced with the watchdog and a signal.
class client_run {
  public:
    explicit client_run(const std::function<awaitable<void>(deadline& activity)>& work)
        : work_(work) {}

    // The work's exception, or what ended it instead, or nullptr.
    std::exception_ptr run() {
        asio::co_spawn(io_, main(), [this](std::exception_ptr e) { error_ = std::move(e); });
        io_.run();
        return error_;
    }

  private:
    awaitable<void> main() {
        const auto ended = co_await race(work_(activity_), stopper());
        if (ended == 1 && stopped_by_) {
            const auto s = describe_stop_signal(*stopped_by_);
            throw failure(s.code, std::string(s.here));
        }
        if (ended == 1) {
            const auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(activity_.idle);
            throw failure(exit_code::network,
                          fmt::format("nothing happened for {} during {}; giving up",
                                      format_duration(idle), activity_.phase_name));
        }
    }
    awaitable<void> stopper() { co_await race(watchdog(activity_), wait_signal()); }
    awaitable<void> wait_signal() {
        const int number = co_await signals_.async_wait(use_awaitable);
        note_stop_signal(number);  // before the work is cancelled: its channel's farewell names it
        stopped_by_ = number;
    }

    const std::function<awaitable<void>(deadline& activity)>& work_;
    asio::io_context io_{1};
    asio::signal_set signals_{io_, SIGINT, SIGTERM, SIGHUP};
    deadline activity_;
    std::optional<int> stopped_by_;
    std::exception_ptr error_;
};

}  // namespace

void run_client(const std::function<awaitable<void>(deadline& activity)>& work) {
    client_run running(work);
    const auto error = running.run();
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
