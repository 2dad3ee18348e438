#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/net/asio.hpp"
#include "common/net/deadline.hpp"
#include "common/net/relay_client.hpp"
#include "common/session/record_channel.hpp"
#include "common/session/session.hpp"
#include "common/transfer/message.hpp"

namespace ferry::sender {

class share_host;
class send_session;

// One receiver of a share, from the relay's ARRIVED to its end: a data connection (JOIN), the
// key exchange with the share's code, HELLO, what it wants (SHARED, WANT), then its listing or
// a send_session of its selection. It owns its connection, channel and deadline; whatever
// happens to it is logged and told to the host, never thrown.
class share_receiver : private guess_gate {
  public:
    share_receiver(asio::any_io_executor ex, share_host& host, share_arrival arrival);
    ~share_receiver();
    share_receiver(const share_receiver&) = delete;
    share_receiver& operator=(const share_receiver&) = delete;

    awaitable<void> run();
    // Ends it at once (its channel tells the receiver, BYE, if it can).
    void stop_now();

  private:
    bool take() override;
    void settle(bool matched) override;
    void end_exchange();
    awaitable<void> watched();
    awaitable<void> converse();
    awaitable<void> transfer(record_channel& channel, const msg::hello& peer);
    awaitable<msg::want> read_want(record_channel& channel);
    awaitable<bool> admitted(record_channel& channel, bool downloads);
    awaitable<void> list(record_channel& channel);
    awaitable<void> send(record_channel& channel, const msg::hello& peer, const msg::want& w);
    awaitable<void> wait_stop();
    [[nodiscard]] std::string label() const;
    void report(const std::string& how);

    share_host& host_;
    share_arrival arrival_;
    deadline activity_;
    asio::steady_timer stop_;
    bool stopped_ = false;
    bool exchanging_ = true;    // holds one of the host's key exchange seats
    std::uint64_t number_ = 0;  // once it proved it has the code and may take something
    std::uint64_t total_ = 0;   // bytes it takes
    std::unique_ptr<send_session> session_;
    bool downloading_ = false;
    bool complete_ = false;
};

}  // namespace ferry::sender
