// The relay's metrics: its gauges read from the live connections, and the endpoint serving them.
#include <spdlog/spdlog.h>

#include "relay/connection.hpp"
#include "relay/server.hpp"

namespace ferry::relay {

tcp::endpoint server::serve_metrics(const tcp::endpoint& listen) {
    metrics_endpoint_ =
        std::make_unique<metrics_endpoint>(executor_, listen, [this] { return render_metrics(); });
    metrics_endpoint_->start();
    const auto bound = metrics_endpoint_->local_endpoint();
    spdlog::info("metrics at http://{}/metrics", endpoint_text(bound));
    return bound;
}

relay_gauges server::gauges() const {
    relay_gauges g;
    g.connections = connections();
    g.sessions = sessions();
    for (const auto* c : connections_) {
        if (c->state == phase::piping)
            ++(c->kind == role::forwarded ? g.links_active : g.pairs_active);
        if (c->hosted != nullptr) ++g.shares_open;
        if (c->state == phase::waiting && c->waiting != nullptr) {
            g.senders_waiting += c->kind == role::sender ? 1 : 0;
            g.reconnects_waiting += c->kind == role::reconnect ? 1 : 0;
            g.share_receivers_waiting += c->kind == role::share_receiver ? 1 : 0;
        }
        if (c->piped != nullptr) {
            g.running_sender_to_receiver += c->swapped ? c->piped->b_to_a : c->piped->a_to_b;
            g.running_receiver_to_sender += c->swapped ? c->piped->a_to_b : c->piped->b_to_a;
        }
    }
    if (cluster_) {
        g.clustered = true;
        g.cluster_up = cluster_->up();
        g.cluster_errors = cluster_->errors();
        g.leases = cluster_->leases();
        g.relays = cluster_->relays_known();
    }
    return g;
}

std::string server::render_metrics() const {
    return metrics_.render(gauges());
}

}  // namespace ferry::relay
