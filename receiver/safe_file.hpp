#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/wire/bytes.hpp"
#include "receiver/disk_writer.hpp"
#include "receiver/sink.hpp"

namespace ferry::receiver {

// A file being received. It has no name in the target folder until commit(): it is created
// unnamed (O_TMPFILE) where the filesystem allows, else as a hidden temporary in the same
// folder. Until commit() succeeds the destructor removes every trace of it; an unnamed file
// disappears by itself even if the process is killed.
class safe_file final : public sink {
  public:
    enum class mode { automatic, named_temporary };
    // How the folder is synced once the file has its name: fsync(2), or a stand-in that fails
    // (tests).
    using sync_function = int (*)(int fd);
    explicit safe_file(const std::filesystem::path& dir, mode m = mode::automatic,
                       disk_writer::mode w = disk_writer::mode::automatic,
                       sync_function sync_dir = ::fsync);
    ~safe_file() override;
    safe_file(const safe_file&) = delete;
    safe_file& operator=(const safe_file&) = delete;

    // All of it, or failure(local_io) (perhaps for bytes given earlier: writing goes on in the
    // background).
    void write(byte_span bytes) override { writer_->write(bytes); }

    // Writes out the rest; returns the SHA-256 of everything written. Once, before commit().
    sha256_digest finish() override { return writer_->finish(); }

    // Finishes if that was not done, syncs the data to disk, then gives the file the first free
    // name among `name`, numbered_name(name, 1), ... without ever replacing an existing file,
    // and syncs the folder. Returns that name. failure(local_io) if any step fails; then the
    // file has no name in the folder (unless even removing it failed, which the error says).
    std::string commit(std::string_view name) override;

    [[nodiscard]] bool is_unnamed() const { return temp_name_.empty(); }
    [[nodiscard]] const std::string& temporary_name() const { return temp_name_; }

  private:
    bool try_link(const std::string& name);
    void sync_folder(const std::string& name);
    void release();

    std::filesystem::path dir_;
    sync_function sync_dir_;
    int dir_fd_ = -1;
    int fd_ = -1;
    std::string temp_name_;  // empty for an unnamed file
    bool committed_ = false;
    std::unique_ptr<disk_writer> writer_;  // uses fd_: reset before fd_ closes
};

// The first of name, "name (1).ext", ... that does not exist in dir now.
std::string first_free_name(const std::filesystem::path& dir, std::string_view name);

// Bytes a non-root user may still write in dir; throws failure(local_io) if it cannot tell.
std::uint64_t free_space(const std::filesystem::path& dir);

}  // namespace ferry::receiver
