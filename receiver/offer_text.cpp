#include "receiver/offer_text.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "common/transfer/tree_summary.hpp"
#include "common/ui/text.hpp"
#include "common/ui/units.hpp"

namespace ferry::receiver {

namespace {

constexpr std::size_t max_items_asked = 10;

}  // namespace

std::string describe_offer(const msg::offer& offered) {
    switch (static_cast<msg::offer_kind>(offered.kind)) {
        case msg::offer_kind::text:
            return fmt::format("a text ({})", plural(offered.size, "byte"));
        case msg::offer_kind::stream:
            return fmt::format("'{}' (size unknown)", printable(offered.name));
        case msg::offer_kind::tree:
            return fmt::format("{} ({})", transfer::items_label(offered),
                               transfer::tree_totals(offered));
        case msg::offer_kind::file:
            break;
    }
    return fmt::format("'{}' ({})", printable(offered.name), format_size(offered.size));
}

std::string where_to(const options& opts) {
    return opts.to_stdout ? std::string("standard output") : printable_folder(opts.output_dir);
}

std::string file_question(const msg::offer& offered, const std::string& name,
                          const std::string& where, std::uint64_t kept) {
    const auto kind = static_cast<msg::offer_kind>(offered.kind);
    if (kind == msg::offer_kind::text) {
        return fmt::format("Receive a text ({}), to be shown here? Accept?",
                           plural(offered.size, "byte"));
    }
    const auto shown_name = printable(offered.name);
    auto size =
        kind == msg::offer_kind::stream ? std::string("size unknown") : format_size(offered.size);
    if (kept > 0) {
        size +=
            fmt::format("; {} of it already here from an interrupted transfer", format_size(kept));
    }
    if (name != offered.name) {
        return fmt::format("Receive '{}' ({}) into {} as '{}' ('{}' exists)? Accept?", shown_name,
                           size, where, printable(name), shown_name);
    }
    return fmt::format("Receive '{}' ({}) into {}? Accept?", shown_name, size, where);
}

std::string tree_question(const msg::offer& offer, const std::vector<std::string>& names,
                          const std::string& where, std::uint64_t kept) {
    std::string list;
    for (std::size_t i = 0; i < offer.items.size() && i < max_items_asked; ++i) {
        const auto& item = offer.items[i];
        list += (i == 0 ? "" : ", ") + transfer::item_text(item, item.name);
        if (names[i] != item.name) {
            list += fmt::format(" as '{}{}'", printable(names[i]),
                                item.type == msg::entry_type::folder ? "/" : "");
        }
    }
    if (offer.items.size() > max_items_asked) {
        list += fmt::format(" and {} more", grouped(offer.items.size() - max_items_asked));
    }
    const auto here = kept == 0
                          ? std::string()
                          : fmt::format("; {} of it already here from an interrupted transfer",
                                        format_size(kept));
    return fmt::format("Receive {}: {} \u2014 {}{} into {}? Accept?",
                       plural(offer.items.size(), "item"), list, transfer::tree_totals(offer), here,
                       where);
}

void print_received(const options& opts, const msg::offer& offered, const std::string& saved,
                    std::uint64_t bytes, const sha256_digest& digest) {
    const auto shown = opts.verbose ? " (" + to_hex(digest) + ")" : std::string();
    if (offered.kind == static_cast<std::uint8_t>(msg::offer_kind::text)) {
        fmt::print(stderr, "Text received, SHA-256 verified{}.\n", shown);
    } else if (opts.to_stdout) {
        fmt::print(stderr, "Wrote {} to standard output, SHA-256 verified{}.\n", format_size(bytes),
                   shown);
    } else {
        fmt::print("Saved {}{}, SHA-256 verified{}.\n", printable_folder(opts.output_dir),
                   printable(saved), shown);
    }
}

void print_tree_saved(const options& opts, const msg::offer& offered,
                      const std::vector<std::string>& names) {
    std::string shown;
    for (std::size_t i = 0; i < names.size() && i < 3; ++i) {
        const bool folder = offered.items[i].type == msg::entry_type::folder;
        shown += fmt::format("{}{}{}", i == 0 ? "" : ", ", printable(names[i]), folder ? "/" : "");
    }
    if (names.size() > 3) shown += fmt::format(" and {} more", grouped(names.size() - 3));
    fmt::print("Saved {} into {} ({}: {}), every file SHA-256 verified.\n",
               plural(names.size(), "item"), printable_folder(opts.output_dir), shown,
               transfer::tree_totals(offered));
}

}  // namespace ferry::receiver
