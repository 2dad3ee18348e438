#include "common/net/interfaces.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <array>
#include <cstring>

namespace ferry {

std::vector<interface_address> local_interfaces() {
    std::vector<interface_address> out;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return out;
    for (auto* i = list; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr || (i->ifa_flags & IFF_UP) == 0 ||
            (i->ifa_flags & IFF_LOOPBACK) != 0) {
            continue;
        }
        interface_address entry;
        entry.name = i->ifa_name;
        entry.index = if_nametoindex(i->ifa_name);
        entry.multicast = (i->ifa_flags & IFF_MULTICAST) != 0;
        if (i->ifa_addr->sa_family == AF_INET) {
            sockaddr_in sin{};
            std::memcpy(&sin, i->ifa_addr, sizeof sin);
            std::array<unsigned char, 4> bytes{};
            std::memcpy(bytes.data(), &sin.sin_addr, bytes.size());
            entry.address = asio::ip::address_v4(bytes);
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            sockaddr_in6 sin6{};
            std::memcpy(&sin6, i->ifa_addr, sizeof sin6);
            std::array<unsigned char, 16> bytes{};
            std::memcpy(bytes.data(), &sin6.sin6_addr, bytes.size());
            entry.address = asio::ip::address_v6(bytes, sin6.sin6_scope_id);
        } else {
            continue;
        }
        out.push_back(entry);
    }
    freeifaddrs(list);
    return out;
}

}  // namespace ferry
