#include "tests/support/evil_sender.hpp"

#include <algorithm>
#include <future>
#include <unordered_map>

#include "common/crypto/sha256.hpp"
#include "common/net/relay_client.hpp"
#include "common/session/code.hpp"
#include "common/session/session.hpp"
#include "common/transfer/hello.hpp"
#include "common/transfer/message_channel.hpp"
#include "tests/support/ferry_commands.hpp"

namespace ferry::test {

namespace {

evil_plan plan_for(std::string name, std::uint64_t size, std::optional<msg::digest> done_hash) {
    evil_plan plan{{msg::offer{0, size, std::move(name)}}, {}};
    if (done_hash) plan.after_accept.emplace_back(msg::done{*done_hash});
    return plan;
}

awaitable<void> send_payload(record_channel& channel, std::uint8_t type, const std::uint8_t* bytes,
                             std::size_t n) {
    auto room = channel.prepare();
    room[0] = type;
    std::copy_n(bytes, n, room.begin() + 1);
    co_await channel.send(1 + n);
}

awaitable<void> play(record_channel& channel, const std::vector<step>& steps) {
    constexpr auto data = static_cast<std::uint8_t>(msg::type::data);
    for (const auto& s : steps) {
        if (const auto* d = std::get_if<data_bytes>(&s)) {
            auto room = channel.prepare();
            room[0] = data;
            std::fill_n(room.begin() + 1, d->size, std::uint8_t{'x'});
            co_await channel.send(1 + d->size);
        } else if (const auto* r = std::get_if<data_record>(&s)) {
            co_await send_payload(channel, data,
                                  reinterpret_cast<const std::uint8_t*>(r->bytes.data()),
                                  r->bytes.size());
        } else if (const auto* w = std::get_if<raw_record>(&s)) {
            co_await send_payload(channel, w->payload.at(0), w->payload.data() + 1,
                                  w->payload.size() - 1);
        } else {
            co_await send_message(channel, std::get<msg::message>(s));
        }
    }
}

awaitable<void> run_plan(std::uint16_t port, const evil_plan& plan,
                         std::promise<std::string>& code_promise, evil_result& result) {
    deadline activity;
    activity.set(std::chrono::seconds(30));
    const host_port relay{"127.0.0.1", port};  // named: docs/architecture.md, GCC 12 and co_await
    auto socket = co_await connect_relay(relay, std::chrono::seconds(5));
    const auto nameplate = co_await allocate_nameplate(socket);
    const auto c = generate_code(nameplate, 2);
    code_promise.set_value(c.text());
    co_await wait_paired(socket);
    auto channel = co_await open_session(socket, activity, session_role::sender, c);
    if (plan.hello) {
        co_await transfer::exchange_hello(*channel, transfer::peer_role::receiver);
    }
    co_await play(*channel, plan.opening);
    const auto answer = co_await receive_message(*channel);
    if (const auto* r = std::get_if<msg::refuse>(&answer)) {
        result.answer = std::string("refuse: ") + msg::describe(r->why);
        co_return;
    }
    if (!std::holds_alternative<msg::accept>(answer)) {
        result.answer = "unexpected";
        co_return;
    }
    result.answer = "accept";
    if (plan.after_accept.empty()) co_return;
    co_await play(*channel, plan.after_accept);
    const auto confirmed = co_await receive_message(*channel);
    result.answer +=
        std::holds_alternative<msg::verified>(confirmed) ? ", verified" : ", no confirmation";
}

void put_be(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::string top_of(const std::string& path) {
    return path.substr(0, path.find('/'));
}

}  // namespace

msg::digest hash_of_x(std::size_t n) {
    sha256 h;
    const std::vector<std::uint8_t> x(n, 'x');
    h.update(x);
    return h.finish();
}

msg::digest hash_of(const std::string& bytes) {
    sha256 h;
    h.update({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
    return h.finish();
}

msg::digest hash_of_digests(const std::vector<msg::digest>& digests) {
    sha256 h;
    for (const auto& d : digests)
        h.update(d);
    return h.finish();
}

evil_sender::evil_sender(std::uint16_t relay_port, evil_plan plan) : plan_(std::move(plan)) {
    std::promise<std::string> code_promise;
    auto code_future = code_promise.get_future();
    thread_ = std::thread([this, relay_port, p = std::move(code_promise)]() mutable {
        asio::io_context io;
        asio::co_spawn(io, run_plan(relay_port, plan_, p, result_), [this](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    if (!result_.answer.empty()) result_.answer += ", ";
                    result_.answer += std::string("error: ") + ex.what();
                }
            }
        });
        io.run();
    });
    code_ = code_future.get();
}

evil_sender::evil_sender(std::uint16_t relay_port, std::string name, std::uint64_t size,
                         std::optional<msg::digest> done_hash)
    : evil_sender(relay_port, plan_for(std::move(name), size, done_hash)) {}

evil_sender::~evil_sender() {
    if (thread_.joinable()) thread_.join();
}

evil_result evil_sender::finish() {
    thread_.join();
    return result_;
}

int receive_from(const relay_fixture& relay, const fs::path& out, evil_plan plan,
                 std::string& errors, const std::vector<std::string>& receiver_args,
                 evil_result* result) {
    evil_sender evil(relay.port(), std::move(plan));
    auto r = start_receiver(relay.address(), evil.code(), out, receiver_args);
    const auto code = r->wait();
    errors = r->error_output();
    const auto seen = evil.finish();
    if (result != nullptr) *result = seen;
    return code;
}

tree_entry file_entry(std::string path, std::string content) {
    return {msg::entry_type::file, std::move(path), std::move(content), {}};
}

tree_entry folder_entry(std::string path) {
    return {msg::entry_type::folder, std::move(path), {}, {}};
}

tree_entry symlink_entry(std::string path, std::string target) {
    return {msg::entry_type::symlink, std::move(path), {}, std::move(target)};
}

msg::entry entry_of(const tree_entry& e) {
    msg::entry out;
    out.type = e.type;
    out.mode = e.type == msg::entry_type::folder ? 0755 : 0644;
    out.mtime_ns = 1'700'000'000'000'000'000;
    out.size = e.type == msg::entry_type::file ? e.content.size() : 0;
    out.path = e.path;
    out.target = e.target;
    return out;
}

msg::offer tree_offer(const std::vector<tree_entry>& entries) {
    msg::offer o(static_cast<std::uint8_t>(msg::offer_kind::tree), 0, "");
    std::unordered_map<std::string, std::size_t> items;
    for (const auto& e : entries) {
        if (e.path.find('/') != std::string::npos || items.contains(e.path)) continue;
        items.emplace(e.path, o.items.size());
        msg::offer_item item;
        item.type = e.type;
        item.name = e.path;
        o.items.push_back(std::move(item));
    }
    for (const auto& e : entries) {
        if (e.type == msg::entry_type::folder) ++o.folders;
        if (e.type == msg::entry_type::symlink) ++o.symlinks;
        if (e.type != msg::entry_type::file) continue;
        const auto found = items.find(top_of(e.path));
        if (found == items.end()) continue;
        auto& item = o.items[found->second];
        const bool counted = e.path == item.name ? item.files == 0  // a top-level file, once
                                                 : item.type == msg::entry_type::folder;
        if (!counted) continue;
        item.files += 1;
        item.size += e.content.size();
        o.files += 1;
        o.size += e.content.size();
    }
    return o;
}

std::vector<step> tree_steps(const std::vector<tree_entry>& entries, bool with_done) {
    std::vector<step> steps;
    std::vector<msg::digest> digests;
    for (const auto& e : entries) {
        steps.emplace_back(msg::message{entry_of(e)});
        if (e.type != msg::entry_type::file) continue;
        if (!e.content.empty()) steps.emplace_back(data_record{e.content});
        digests.push_back(hash_of(e.content));
        steps.emplace_back(msg::message{msg::file_end{digests.back()}});
    }
    if (with_done) steps.emplace_back(msg::message{msg::done{hash_of_digests(digests)}});
    return steps;
}

evil_plan tree_plan(const std::vector<tree_entry>& entries) {
    return evil_plan{{msg::message{tree_offer(entries)}}, tree_steps(entries)};
}

raw_record unchecked_entry(const msg::entry& e) {
    raw_record r;
    auto& out = r.payload;
    out.push_back(static_cast<std::uint8_t>(msg::type::entry));
    out.push_back(static_cast<std::uint8_t>(e.type));
    put_be(out, e.mode, 2);
    put_be(out, static_cast<std::uint64_t>(e.mtime_ns), 8);
    put_be(out, e.size, 8);
    put_be(out, e.path.size(), 2);
    out.insert(out.end(), e.path.begin(), e.path.end());
    put_be(out, e.target.size(), 2);
    out.insert(out.end(), e.target.begin(), e.target.end());
    return r;
}

}  // namespace ferry::test
