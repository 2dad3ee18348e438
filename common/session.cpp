#include "common/session.hpp"

namespace ferry {

awaitable<std::unique_ptr<record_channel>> open_session(tcp::socket& socket, deadline& activity,
                                                        session_role /*role*/, const code& /*c*/) {
    // Plain records for now: no key agreement yet, so the code words are not checked here.
    co_return std::make_unique<record_channel>(socket, activity);
}

}  // namespace ferry
