#pragma once

// A share written by the test (test-only code): it pairs through the relay as a sender, runs the
// key exchange and HELLO (announcing reconnects, as `ferry share` does), says SHARED, reads the
// receiver's WANT and answers a listing as its plan says, however long or wrong.

#include <cstdint>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "common/transfer/message.hpp"

namespace ferry::test {

struct fake_listing {
    std::vector<msg::entry> entries;  // the ENTRY records, in order
    // false: the share goes away after the entries (its connection closes) instead of LISTED.
    bool listed = true;
    // The share waits for release() after the entries, before LISTED or going away.
    bool hold = false;
};

class fake_share {
  public:
    fake_share(std::uint16_t relay_port, fake_listing plan);
    ~fake_share();  // releases it, and waits for it to end
    fake_share(const fake_share&) = delete;
    fake_share& operator=(const fake_share&) = delete;

    [[nodiscard]] const std::string& code() const { return code_; }
    // Lets a held share go on (LISTED, or going away).
    void release();
    // Waits for it to end: "" if all went as planned, else what went wrong.
    std::string finish();

  private:
    fake_listing plan_;
    std::string code_;
    std::promise<void> released_;
    bool release_sent_ = false;
    std::string error_;
    std::thread thread_;
};

}  // namespace ferry::test
