#include "sender/background_reader.hpp"

#include <atomic>
#include <cstddef>
#include <new>

#include <asio/bind_allocator.hpp>

namespace ferry::sender {

// Room for the one completion in flight. Asio frees it before running it, so it is free again by
// the time the resumed coroutine asks for the next read; anything larger, or a second one (never
// in this design), gets plain heap memory instead.
class background_reader::completion_memory {
  public:
    void* allocate(std::size_t bytes) {
        if (bytes <= sizeof storage_ && !in_use_.exchange(true, std::memory_order_acquire)) {
            return storage_;
        }
        return ::operator new(bytes);
    }
    void deallocate(void* p) noexcept {
        if (p == storage_) {
            in_use_.store(false, std::memory_order_release);
        } else {
            ::operator delete(p);
        }
    }

  private:
    alignas(std::max_align_t) std::byte storage_[256]{};
    std::atomic<bool> in_use_{false};
};

template <class T>
class background_reader::completion_allocator {
  public:
    using value_type = T;
    explicit completion_allocator(completion_memory& memory) noexcept : memory_(&memory) {}
    template <class U>  // implicit: Asio rebinds allocators by copying
    completion_allocator(const completion_allocator<U>& other) noexcept : memory_(other.memory_) {}
    T* allocate(std::size_t n) { return static_cast<T*>(memory_->allocate(n * sizeof(T))); }
    void deallocate(T* p, std::size_t /*n*/) noexcept { memory_->deallocate(p); }
    template <class U>
    bool operator==(const completion_allocator<U>& other) const noexcept {
        return memory_ == other.memory_;
    }

  private:
    template <class>
    friend class completion_allocator;
    completion_memory* memory_;
};

background_reader::background_reader(job j)
    : job_(std::move(j)), memory_(std::make_unique<completion_memory>()) {
    thread_ = std::thread([this] { run(); });
}

background_reader::~background_reader() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

awaitable<std::size_t> background_reader::read(mutable_byte_span into) {
    auto initiation = [this](handler h, mutable_byte_span span) { start(std::move(h), span); };
    return asio::async_initiate<const asio::use_awaitable_t<>&, signature>(initiation,
                                                                           use_awaitable, into);
}

void background_reader::start(handler h, mutable_byte_span into) {
    {
        const std::lock_guard lock(mutex_);
        waiting_.emplace(std::move(h));
        into_ = into;
    }
    wake_.notify_all();
}

void background_reader::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        // A read asked for is done even when stopping: its caller is waiting for it.
        wake_.wait(lock, [this] { return waiting_.has_value() || stop_; });
        if (!waiting_) return;
        const auto into = into_;
        lock.unlock();
        std::exception_ptr error;
        std::size_t n = 0;
        try {
            n = job_(into);
        } catch (...) {  // nothing may escape this thread: the caller gets it
            error = std::current_exception();
        }
        lock.lock();
        auto h = std::move(*waiting_);
        waiting_.reset();
        lock.unlock();
        complete(std::move(h), std::move(error), n);
        lock.lock();
    }
}

// Runs on the reader's thread: hands the result to the coroutine's executor, which resumes it.
void background_reader::complete(handler h, std::exception_ptr error, std::size_t n) {
    const auto executor = h.get_executor();
    auto resume = asio::bind_allocator(
        completion_allocator<std::byte>(*memory_),
        [h = std::move(h), error = std::move(error), n]() mutable { h(std::move(error), n); });
    // The io_context's own executor builds the completion with our allocator; a type-erased one
    // would drop the allocator and take heap memory.
    if (const auto* io = executor.target<asio::io_context::executor_type>()) {
        asio::post(*io, std::move(resume));
    } else {
        asio::post(executor, std::move(resume));
    }
}

}  // namespace ferry::sender
