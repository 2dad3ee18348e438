#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "common/net/asio.hpp"
#include "common/wire/bytes.hpp"
#include "sender/source.hpp"

namespace ferry::sender {

class background_reader;

// The file being sent, opened once: its size is fixed at open and reads never go past it. The
// bytes sent must be the file as it was when offered: when the last byte has been read (before
// DONE can be sent) the open file is checked against what it was at open, and a file that
// changed meanwhile (grew, shrank, was written to) is failure(local_io).
class file_source final : public source {
  public:
    // Where read_async() reads bytes already in the page cache: at once on the caller's thread
    // (they cannot stall), or on the reader's thread like the rest (tests of that path).
    enum class cached_reads { on_caller_thread, on_reader_thread };

    explicit file_source(const std::filesystem::path& path,
                         cached_reads cached = cached_reads::on_caller_thread);
    ~file_source() override;
    file_source(const file_source&) = delete;
    file_source& operator=(const file_source&) = delete;

    [[nodiscard]] msg::offer offer() const override { return msg::offer{0, size_, name_}; }
    [[nodiscard]] transfer::feature needs() const override {
        return transfer::feature::single_file;
    }
    [[nodiscard]] std::uint64_t size() const override { return size_; }
    [[nodiscard]] const std::string& name() const override { return name_; }
    [[nodiscard]] std::string describe() const override;

    bool rewind() override {
        offset_ = 0;
        return true;
    }
    [[nodiscard]] bool resumable() const override { return true; }

    // Fills as much of `into` as the file has left, blocking until it is read; failure(local_io)
    // if it cannot be read or changed while being sent.
    std::size_t read(mutable_byte_span into);

    // The same, without ever blocking the calling coroutine's thread on the disk: bytes already
    // in memory are taken at once, the rest is read by a thread of the file's own. One read at a
    // time; `into` must stay valid until it completes.
    awaitable<std::size_t> read_async(mutable_byte_span into) override;

  private:
    std::size_t read_cached(mutable_byte_span into);
    background_reader& reader();
    void check_unchanged() const;
    [[noreturn]] void changed() const;

    int fd_ = -1;
    std::uint64_t size_ = 0;
    std::uint64_t offset_ = 0;
    std::string name_;
    std::string shown_path_;
    struct stat opened_ {};  // as it was at open
    bool try_cached_;        // false once the system says it cannot read without waiting
    std::unique_ptr<background_reader> reader_;  // started by the first read_async()
};

}  // namespace ferry::sender
