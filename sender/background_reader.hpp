#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "common/net/asio.hpp"
#include "common/wire/bytes.hpp"

namespace ferry::sender {

// Runs a blocking read on a thread of its own, so that a disk that stalls never holds up the
// io thread. The bytes go straight into the caller's buffer; nothing is allocated per read: the
// one waiting coroutine's handler sits in a slot, and the completion that resumes it on its
// executor is built in a fixed block of memory.
//
// One read at a time. A read in progress is not cancellable: it ends when the job returns (one
// disk read), then the caller resumes and sees any cancellation at its next operation. The
// caller's executor must outlive a read in progress, which a coroutine awaiting it guarantees.
class background_reader {
  public:
    // `job(into)` fills `into` (or part of it) and returns the count, or throws: it runs on the
    // reader's thread.
    using job = std::function<std::size_t(mutable_byte_span)>;
    explicit background_reader(job j);
    ~background_reader();  // waits for a read in progress
    background_reader(const background_reader&) = delete;
    background_reader& operator=(const background_reader&) = delete;

    // The job's result, or its exception, delivered on the awaiting coroutine's executor.
    awaitable<std::size_t> read(mutable_byte_span into);

  private:
    using signature = void(std::exception_ptr, std::size_t);
    using handler = asio::async_result<asio::use_awaitable_t<>, signature>::handler_type;

    class completion_memory;
    template <class T>
    class completion_allocator;

    void start(handler h, mutable_byte_span into);
    void run();
    void complete(handler h, std::exception_ptr error, std::size_t n);

    job job_;
    std::mutex mutex_;
    std::condition_variable wake_;
    // Guarded by mutex_: the read asked for, and whose coroutine waits for it.
    std::optional<handler> waiting_;
    mutable_byte_span into_;
    bool stop_ = false;
    std::unique_ptr<completion_memory> memory_;
    std::thread thread_;  // last: started once everything above is ready
};

}  // namespace ferry::sender
