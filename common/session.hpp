#pragma once

#include <memory>

#include "common/asio.hpp"
#include "common/code.hpp"
#include "common/deadline.hpp"
#include "common/record_channel.hpp"

namespace ferry {

enum class session_role { sender, receiver };

// The session layer, run right after the relay says PAIRED: returns the record channel that the
// transfer messages travel in.
awaitable<std::unique_ptr<record_channel>> open_session(tcp::socket& socket, deadline& activity,
                                                        session_role role, const code& c);

}  // namespace ferry
