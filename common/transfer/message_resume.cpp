// Resuming: RESUME and RESUME_FROM for a file, RESUME_TREE, TREE_KEPT and TREE_FROM for a tree
// (layouts in docs/protocol.md).
#include "common/transfer/message_codec.hpp"

#include <fmt/format.h>

#include "common/ui/units.hpp"
#include "common/wire/wire_error.hpp"

namespace ferry::msg {

void encode_resume(wire::writer& w, const resume& m) {
    put_type(w, type::resume).u64(m.offset).bytes(m.prefix);
}

resume decode_resume(wire::reader& r) {
    resume m;
    m.offset = r.u64("resume offset");
    r.fill(m.prefix, "resume prefix digest");
    r.finish("resume");
    if (m.offset == 0) throw wire_error("a resume from offset 0");
    return m;
}

void encode_resume_from(wire::writer& w, const resume_from& m) {
    put_type(w, type::resume_from).u64(m.offset);
}

resume_from decode_resume_from(wire::reader& r) {
    return {decode_number<std::uint64_t>(r, "resume offset", "resume answer")};
}

void encode_resume_tree(wire::writer& w, const resume_tree& m) {
    put_type(w, type::resume_tree).u32(m.entries);
}

resume_tree decode_resume_tree(wire::reader& r) {
    const resume_tree m{decode_number<std::uint32_t>(r, "resume tree entries", "resume tree")};
    if (m.entries == 0 || m.entries > max_tree_entries) {
        throw wire_error(fmt::format("a tree resume of {} entries", m.entries));
    }
    return m;
}

void encode_tree_kept(wire::writer& w, const tree_kept& m) {
    put_type(w, type::tree_kept);
    for (const auto& v : m.values)
        w.bytes(v);
}

tree_kept decode_tree_kept(wire::reader& r) {
    const auto rest = r.left();
    if (rest == 0 || rest % 32 != 0 || rest / 32 > max_kept_per_record) {
        throw wire_error(fmt::format("kept entries of {} (not 1 to {} values of 32)",
                                     plural(rest, "byte"), max_kept_per_record));
    }
    tree_kept m;
    m.values.resize(rest / 32);
    for (auto& v : m.values)
        r.fill(v, "kept entry value");
    return m;
}

void encode_tree_from(wire::writer& w, const tree_from& m) {
    put_type(w, type::tree_from).u32(m.entries);
}

tree_from decode_tree_from(wire::reader& r) {
    return {decode_number<std::uint32_t>(r, "tree resume entry", "tree resume answer")};
}

}  // namespace ferry::msg
