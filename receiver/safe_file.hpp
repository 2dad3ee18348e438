#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/bytes.hpp"

namespace ferry::receiver {

// A file being received. It has no name in the target folder until commit(): it is created
// unnamed (O_TMPFILE) where the filesystem allows, else as a hidden temporary in the same
// folder. Until commit() succeeds the destructor removes every trace of it; an unnamed file
// disappears by itself even if the process is killed.
class safe_file {
  public:
    enum class mode { automatic, named_temporary };
    explicit safe_file(const std::filesystem::path& dir, mode m = mode::automatic);
    ~safe_file();
    safe_file(const safe_file&) = delete;
    safe_file& operator=(const safe_file&) = delete;

    void write(byte_span bytes);  // all of it, or failure(local_io)

    // Syncs the data to disk, then gives the file the first free name among `name`,
    // numbered_name(name, 1), ... without ever replacing an existing file. Returns that name.
    std::string commit(std::string_view name);

    [[nodiscard]] bool is_unnamed() const { return temp_name_.empty(); }
    [[nodiscard]] const std::string& temporary_name() const { return temp_name_; }

  private:
    bool try_link(const std::string& name);

    std::filesystem::path dir_;
    int dir_fd_ = -1;
    int fd_ = -1;
    std::string temp_name_;  // empty for an unnamed file
    bool committed_ = false;
};

// The first of name, "name (1).ext", ... that does not exist in dir now.
std::string first_free_name(const std::filesystem::path& dir, std::string_view name);

// Bytes a non-root user may still write in dir; throws failure(local_io) if it cannot tell.
std::uint64_t free_space(const std::filesystem::path& dir);

}  // namespace ferry::receiver
