#include "receiver/record_worker.hpp"

#include <cstring>
#include <stdexcept>

namespace ferry::receiver {

namespace {

constexpr std::size_t length_size = 4;

}  // namespace

record_worker::record_worker(std::size_t block_size, apply_fn apply) : apply_(std::move(apply)) {
    for (auto& b : blocks_)
        b.bytes.resize(block_size);
    thread_ = std::thread([this] { run(); });
}

void record_worker::stop() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void record_worker::post(byte_span payload) {
    if (length_size + payload.size() > blocks_[current_].bytes.size()) {
        throw std::length_error("record_worker: a record larger than a block");
    }
    if (blocks_[current_].used + length_size + payload.size() > blocks_[current_].bytes.size()) {
        hand_over();
    }
    auto& b = blocks_[current_];
    put_u32(b.bytes.data() + b.used, static_cast<std::uint32_t>(payload.size()));
    std::memcpy(b.bytes.data() + b.used + length_size, payload.data(), payload.size());
    b.used += length_size + payload.size();
}

void record_worker::hand_over() {
    std::unique_lock lock(mutex_);
    wait_idle(lock);  // the thread is done with the other block: it may be refilled
    job_ = current_;
    busy_ = true;
    lock.unlock();
    changed_.notify_all();
    current_ ^= 1U;
    blocks_[current_].used = 0;
}

void record_worker::finish() {
    if (blocks_[current_].used > 0) hand_over();
    std::unique_lock lock(mutex_);
    wait_idle(lock);
}

void record_worker::wait_idle(std::unique_lock<std::mutex>& lock) {
    changed_.wait(lock, [this] { return !busy_; });
    if (failure_) std::rethrow_exception(failure_);
}

void record_worker::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        changed_.wait(lock, [this] { return busy_ || stop_; });
        if (stop_) return;
        const auto& b = blocks_[job_];
        lock.unlock();
        std::exception_ptr error;
        try {
            apply(b);
        } catch (...) {
            error = std::current_exception();
        }
        lock.lock();
        if (error && !failure_) failure_ = error;
        busy_ = false;
        changed_.notify_all();
        if (failure_) {
            // Nothing more is applied: the caller throws at its next call.
            changed_.wait(lock, [this] { return stop_; });
            return;
        }
    }
}

void record_worker::apply(const block& b) {
    const auto bytes = byte_span(b.bytes).first(b.used);
    for (std::size_t at = 0; at < bytes.size();) {
        const auto length = get_u32(bytes.data() + at);
        apply_(bytes.subspan(at + length_size, length));
        at += length_size + length;
    }
}

}  // namespace ferry::receiver
