#pragma once

#include <string>
#include <vector>

#include "common/net/asio.hpp"

namespace ferry {

struct interface_address {
    std::string name;
    unsigned index = 0;
    asio::ip::address address;
    bool multicast = false;
};

// The addresses of the interfaces that are up, loopback excluded (getifaddrs).
std::vector<interface_address> local_interfaces();

}  // namespace ferry
