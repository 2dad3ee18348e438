// A sender that lies about a tree (OFFER kind 3, ENTRY, DATA, FILE_END, DONE): every unsafe
// path, every record out of place and every count or digest that does not add up must end the
// receiver with a clear one-line message and leave the target folder exactly as it was: no final
// name, no hidden .ferry-* staging folder, and nothing anywhere outside it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "common/transfer/message.hpp"
#include "tests/support/evil_sender.hpp"
#include "tests/support/helpers.hpp"

using namespace ferry;
using namespace ferry::test;

namespace {

// A hostile case: what the sender does, the phrase the receiver's message must contain and the
// exit code it must end with.
struct hostile_case {
    std::string what;
    evil_plan plan;
    std::string phrase;
    int exit = exit_protocol;
};

// The line of `text` that contains `phrase`, or "" if none does.
std::string line_with(const std::string& text, const std::string& phrase) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.find(phrase) != std::string::npos) return line;
    }
    return "";
}

// Nothing a sender sent is shown raw: no control byte but the line ends, no bidi or format
// character (printable() writes them as \xNN and \u{...}).
bool shown_safely(const std::string& text) {
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\n') || u == 0x7f) return false;
    }
    return text.find("\u202e") == std::string::npos && text.find("\u200b") == std::string::npos;
}

std::string contents(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs the case against a real receiver into an empty folder and checks the exit code, the
// message and that the folder is still empty (entries() lists hidden names: the staging folder
// would show).
void check_refused(const hostile_case& c) {
    INFO("case: " << c.what);
    relay_fixture relay;
    temp_dir out;
    std::string errors;
    evil_result seen;
    const auto code = receive_from(relay, out.path, c.plan, errors, {"--yes"}, &seen);
    INFO("receiver stderr: " << errors);
    INFO("sender saw: " << seen.answer);
    CHECK(code == c.exit);
    const auto line = line_with(errors, c.phrase);
    CHECK_THAT(line, Catch::StartsWith("ferry: "));  // one line, the phrase in it
    CHECK(shown_safely(errors));
    CHECK(out.entries().empty());
    // The receiver confirms nothing it refused; a damaged tree, it answers with what it got.
    if (c.exit != exit_integrity) CHECK_THAT(seen.answer, !Catch::Contains(", verified"));
}

// Folder d, then a file at `path`: the file is what is wrong.
hostile_case bad_path(std::string what, std::string path, std::string phrase) {
    return {std::move(what), tree_plan({folder_entry("d"), file_entry(std::move(path), "abc")}),
            std::move(phrase)};
}

msg::offer offer_of(std::vector<tree_entry> entries) {
    return tree_offer(entries);
}

std::vector<hostile_case> path_cases() {
    std::string deep = "d";
    for (int i = 0; i < 256; ++i)
        deep += "/a";  // 257 components, 513 bytes
    return {
        bad_path("a '..' component", "d/../x", "directory reference"),
        bad_path("'..' at the start", "../x", "directory reference"),
        bad_path("an absolute path", "/etc/x", "the path is absolute"),
        bad_path("an empty component", "d//x", "empty component"),
        {"a trailing slash", tree_plan({folder_entry("d"), folder_entry("d/sub/")}),
         "empty component"},
        bad_path("a component that is not UTF-8", "d/\xff\xfe.txt", "not valid UTF-8"),
        bad_path("a control character", "d/a\x01\x1b[2Jb", "control characters"),
        bad_path("a bidi character", "d/\u202etxt.exe", "bidirectional text control (U+202E)"),
        bad_path("a format character", "d/a\u200bb", "invisible format character (U+200B)"),
        bad_path("a component over 255 bytes", "d/" + std::string(256, 'n'),
                 "256 bytes long (at most 255)"),
        bad_path("a path over 256 components", deep, "257 folders deep (at most 256)"),
    };
}

}  // namespace

TEST_CASE("a whole tree from the hostile sender's plan is saved (the harness is right)",
          "[malicious][e2e]") {
    {
        temp_dir hidden;  // entries() lists hidden names: a staging folder left would show
        fs::create_directory(hidden.path / ".ferry-0123456789abcdef");
        CHECK(hidden.entries() == std::vector<std::string>{".ferry-0123456789abcdef"});
    }
    relay_fixture relay;
    temp_dir out;
    const std::vector<tree_entry> entries{
        folder_entry("d"),           file_entry("d/f", "hello"),       folder_entry("d/sub"),
        file_entry("d/sub/e", ""),   symlink_entry("d/sub/l", "../f"), file_entry("top.txt", "top"),
        file_entry("d/sub/g", "gg"),
    };
    std::string errors;
    evil_result seen;
    CHECK(receive_from(relay, out.path, tree_plan(entries), errors, {"--yes"}, &seen) == 0);
    INFO(errors);
    CHECK(seen.answer == "accept, verified");
    auto names = out.entries();
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"d", "top.txt"});
    CHECK(contents(out.path / "d" / "f") == "hello");
    CHECK(contents(out.path / "d" / "sub" / "g") == "gg");
    CHECK(fs::file_size(out.path / "d" / "sub" / "e") == 0);
    CHECK(fs::read_symlink(out.path / "d" / "sub" / "l") == "../f");
    CHECK(contents(out.path / "top.txt") == "top");
}

TEST_CASE("an unsafe entry path ends a tree and saves nothing", "[malicious][e2e]") {
    check_refused(GENERATE(from_range(path_cases())));
}

TEST_CASE("a top-level item named like ferry's own folders is refused at the offer",
          "[malicious][e2e]") {
    const std::string posing = ".ferry-partial-0123456789abcdef01234567";
    check_refused({"a folder posing as a kept one",
                   tree_plan({folder_entry(posing), file_entry(posing + "/data", "abc")}),
                   "names beginning with '.ferry-' are kept for ferry's own folders"});
}

TEST_CASE("an entry path over 4096 bytes (past the codec) ends a tree and saves nothing",
          "[malicious][e2e]") {
    std::string path = "d";
    while (path.size() <= msg::max_path_bytes)
        path += "/" + std::string(200, 'p');
    auto plan = tree_plan({folder_entry("d")});
    auto e = entry_of(folder_entry(path));
    plan.after_accept.insert(plan.after_accept.begin() + 1, unchecked_entry(e));
    check_refused({"a path of " + std::to_string(path.size()) + " bytes", plan,
                   "entry path is too long (" + std::to_string(path.size()) + " bytes)"});
}

TEST_CASE("more entries than offered end a tree and save nothing", "[malicious][e2e]") {
    const std::vector<tree_entry> sent{folder_entry("d"), file_entry("d/f"), file_entry("d/g")};
    evil_plan more{{offer_of({folder_entry("d"), file_entry("d/f")})}, tree_steps(sent)};
    // Or a folder more than offered, where the file counts still add up.
    const std::vector<tree_entry> folders{folder_entry("d"), folder_entry("d/s"),
                                          file_entry("d/f")};
    evil_plan more_folders{{offer_of({folder_entry("d"), file_entry("d/f")})}, tree_steps(folders)};
    check_refused(GENERATE_COPY(values<hostile_case>({
        {"a file more than offered", more, "more entries than it offered"},
        {"a folder more than offered", more_folders, "more entries than it offered"},
    })));
}

TEST_CASE("an offer of over 1,000,000 entries is refused at the offer", "[malicious][e2e]") {
    msg::offer o = offer_of({folder_entry("d")});
    o.folders = msg::max_tree_entries + 1;
    const auto files = GENERATE(0U, 1U);  // or over the limit only with the files added
    if (files == 1) {
        o.folders = msg::max_tree_entries;
        o.files = 1;
        o.items[0].files = 1;
    }
    check_refused({"an offer of " + std::to_string(o.files + o.folders) + " entries",
                   evil_plan{{msg::message{o}}, {}}, "a tree offer of over 1000000 entries"});
}

TEST_CASE("a duplicate path ends a tree and saves nothing", "[malicious][e2e]") {
    check_refused(GENERATE(values<hostile_case>({
        {"the same file twice",
         tree_plan({folder_entry("d"), file_entry("d/f", "one"), file_entry("d/f", "two")}),
         "sent 'd/f' twice"},
        {"the same folder twice",
         tree_plan({folder_entry("d"), folder_entry("d/s"), folder_entry("d/s")}),
         "sent 'd/s' twice"},
        {"the same top-level folder twice", tree_plan({folder_entry("d"), folder_entry("d")}),
         "sent 'd' twice"},
        {"a folder where a file was",
         tree_plan({folder_entry("d"), file_entry("d/f"), folder_entry("d/f")}),
         "sent 'd/f' twice"},
    })));
}

TEST_CASE("an entry below a file ends a tree and saves nothing", "[malicious][e2e]") {
    // A top-level file a, then a/b: the offer has room for a second entry (one folder more).
    auto top = tree_plan({file_entry("a", "aaa"), file_entry("a/b", "bbb")});
    std::get<msg::offer>(std::get<msg::message>(top.opening[0])).folders += 1;
    check_refused(GENERATE_COPY(values<hostile_case>({
        {"a/b after the top-level file a", top, "below a file"},
        {"d/a/b after the file d/a",
         tree_plan({folder_entry("d"), file_entry("d/a", "aaa"), file_entry("d/a/b", "bbb")}),
         "below a file"},
        {"a folder below a file",
         tree_plan({folder_entry("d"), file_entry("d/a", "aaa"), folder_entry("d/a/s")}),
         "below a file"},
    })));
}

TEST_CASE("an entry below a symlink of the same transfer ends a tree and saves nothing",
          "[malicious][e2e]") {
    check_refused(GENERATE(values<hostile_case>({
        {"d/l -> sub, then d/l/x",
         tree_plan({folder_entry("d"), folder_entry("d/sub"), symlink_entry("d/l", "sub"),
                    file_entry("d/l/x", "evil")}),
         "below a symlink"},
        {"d/s/l -> .., then d/s/l/x",
         tree_plan({folder_entry("d"), folder_entry("d/s"), symlink_entry("d/s/l", ".."),
                    folder_entry("d/s/l/x")}),
         "below a symlink"},
    })));
}

TEST_CASE("an entry before its folder ends a tree and saves nothing", "[malicious][e2e]") {
    const auto top = evil_plan{{offer_of({folder_entry("d"), file_entry("d/x")})},
                               tree_steps({file_entry("d/x"), folder_entry("d")})};
    const auto nested = tree_plan({folder_entry("d"), file_entry("d/s/x"), folder_entry("d/s")});
    check_refused(GENERATE_COPY(values<hostile_case>({
        {"d/x before d", top, "it came before its folder"},
        {"d/s/x before d/s", nested, "sent 'd/s/x' before its folder"},
    })));
}

TEST_CASE("an entry outside the offered items ends a tree and saves nothing", "[malicious][e2e]") {
    const evil_plan plan{{offer_of({folder_entry("d"), file_entry("d/f")})},
                         tree_steps({folder_entry("d"), file_entry("e/f")})};
    const evil_plan top{{offer_of({folder_entry("d"), file_entry("d/f")})},
                        tree_steps({folder_entry("d"), file_entry("e")})};
    check_refused(GENERATE_COPY(values<hostile_case>({
        {"e/f, not in d", plan, "not in one of the offered items"},
        {"a top-level e, not offered", top, "not in one of the offered items"},
    })));
}

TEST_CASE("a top-level item of another type than offered ends a tree and saves nothing",
          "[malicious][e2e]") {
    const evil_plan file_for_folder{{offer_of({folder_entry("d")})},
                                    tree_steps({file_entry("d", "")})};
    const evil_plan folder_for_file{{offer_of({file_entry("d", "x")})},
                                    tree_steps({folder_entry("d")})};
    check_refused(GENERATE_COPY(values<hostile_case>({
        {"a file where a folder was offered", file_for_folder, "its type is not the one offered"},
        {"a folder where a file was offered", folder_for_file, "its type is not the one offered"},
    })));
}

TEST_CASE("a file's records out of order end a tree and save nothing", "[malicious][e2e]") {
    // Folder d and the file d/f (3 bytes) offered; the records after ENTRY d/f vary.
    const auto offered = offer_of({folder_entry("d"), file_entry("d/f", "abc"), file_entry("d/g")});
    const auto d = msg::message{entry_of(folder_entry("d"))};
    const auto f = msg::message{entry_of(file_entry("d/f", "abc"))};
    const auto g = msg::message{entry_of(file_entry("d/g"))};
    const auto end_of = [](const std::string& s) {
        return msg::message{msg::file_end{hash_of(s)}};
    };
    const auto done_of = [](std::vector<std::string> files) {
        std::vector<msg::digest> digests;
        for (const auto& s : files)
            digests.push_back(hash_of(s));
        return msg::message{msg::done{hash_of_digests(digests)}};
    };
    const auto plan = [&](std::vector<step> steps) {
        return evil_plan{{offered}, std::move(steps)};
    };
    check_refused(GENERATE_COPY(values<hostile_case>({
        {"DATA over the size in one record",
         plan({d, f, data_record{"abcd"}, end_of("abcd"), g, data_record{"x"}, end_of("x"),
               done_of({"abcd", "x"})}),
         "more bytes than the file's size"},
        {"DATA over the size in one more record",
         plan({d, f, data_record{"abc"}, data_record{"d"}, end_of("abcd"), g, data_record{"x"},
               end_of("x"), done_of({"abcd", "x"})}),
         "more bytes than the file's size"},
        {"FILE_END before all the bytes",
         plan({d, f, data_record{"ab"}, end_of("ab"), g, data_record{"x"}, end_of("x"),
               done_of({"ab", "x"})}),
         "the file ended 1 byte short of its size"},
        {"a new ENTRY in the middle of a file",
         plan({d, f, data_record{"ab"}, g, data_record{"x"}, end_of("x"), done_of({"x"})}),
         "started the next entry before this file's end"},
        {"DONE in the middle of a file", plan({d, f, data_record{"ab"}, done_of({"ab"})}),
         "finished in the middle of this file"},
        {"DATA outside a file", plan({d, data_record{"abc"}}), "data outside a file"},
        {"FILE_END outside a file", plan({d, end_of("")}), "ended a file it had not started"},
    })));
}

TEST_CASE("fewer entries than offered at DONE end a tree and save nothing", "[malicious][e2e]") {
    const std::vector<tree_entry> sent{folder_entry("d"), file_entry("d/f")};
    const evil_plan files{{offer_of({folder_entry("d"), file_entry("d/f"), file_entry("d/g")})},
                          tree_steps(sent)};
    const evil_plan items{{offer_of({folder_entry("d"), file_entry("d/f"), file_entry("e", "ee")})},
                          tree_steps(sent)};
    const evil_plan folders{{offer_of({folder_entry("d"), folder_entry("d/s"), file_entry("d/f")})},
                            tree_steps(sent)};
    check_refused(GENERATE_COPY(values<hostile_case>({
        {"a file fewer than offered", files, "1 file of 1 B arrived, 2 files of 2 B offered"},
        {"a top-level item missing", items, "0 files of 0 B arrived, 1 file of 2 B offered"},
        {"a folder fewer than offered", folders, "not the 2 folders and 0 symlinks it offered"},
    })));
}

TEST_CASE("a FILE_END digest that does not match the data is an integrity error",
          "[malicious][e2e]") {
    // DONE is right for the digests sent: only the file's own digest is wrong.
    const auto wrong = hash_of("abd");
    const hostile_case c{"FILE_END of other bytes",
                         evil_plan{{offer_of({folder_entry("d"), file_entry("d/f", "abc")})},
                                   {msg::message{entry_of(folder_entry("d"))},
                                    msg::message{entry_of(file_entry("d/f", "abc"))},
                                    data_record{"abc"}, msg::message{msg::file_end{wrong}},
                                    msg::message{msg::done{hash_of_digests({wrong})}}}},
                         "'d/f' arrived damaged", exit_integrity};
    check_refused(c);
}

TEST_CASE("a DONE digest that does not match is an integrity error", "[malicious][e2e]") {
    auto plan = tree_plan({folder_entry("d"), file_entry("d/f", "abc"), file_entry("top", "t")});
    msg::digest wrong{};
    wrong.fill(0xab);
    plan.after_accept.back() = msg::message{msg::done{wrong}};
    check_refused(
        {"a wrong DONE", plan, "the files' digests do not match the sender's", exit_integrity});
}

TEST_CASE("a symlink pointing outside its item is skipped and the rest is saved",
          "[malicious][e2e]") {
    const auto target = GENERATE(as<std::string>{}, "/etc/passwd", "../../x", "../x", "/");
    INFO("target: " << target);
    relay_fixture relay;
    temp_dir out;
    const std::vector<tree_entry> entries{folder_entry("d"), file_entry("d/f", "hello"),
                                          symlink_entry("d/l", target), file_entry("d/g", "gg")};
    std::string errors;
    evil_result seen;
    CHECK(receive_from(relay, out.path, tree_plan(entries), errors, {"--yes"}, &seen) == 0);
    INFO("receiver stderr: " << errors);
    CHECK(seen.answer == "accept, verified");
    CHECK_THAT(line_with(errors, "skipped"), Catch::StartsWith("ferry: skipped d/l"));
    CHECK(out.entries() == std::vector<std::string>{"d"});
    CHECK(contents(out.path / "d" / "f") == "hello");
    CHECK(contents(out.path / "d" / "g") == "gg");
    CHECK_FALSE(fs::exists(fs::symlink_status(out.path / "d" / "l")));
}

TEST_CASE("a file sent through a symlink that points outside never lands outside",
          "[malicious][e2e]") {
    relay_fixture relay;
    temp_dir root;
    const auto inbox = root.path / "inbox";
    const auto outside = root.path / "outside";
    fs::create_directories(inbox);
    fs::create_directories(outside);
    // An absolute link to `outside`, or links that climb out of their item (to root/outside,
    // or to inbox/outside).
    const auto target =
        GENERATE_COPY(outside.string(), std::string("../../outside"), std::string("../outside"));
    INFO("target: " << target);
    const auto plan =
        tree_plan({folder_entry("d"), symlink_entry("d/l", target), file_entry("d/l/x", "evil"),
                   folder_entry("d/l/s"), file_entry("d/f", "ok")});
    std::string errors;
    const auto code = receive_from(relay, inbox, plan, errors);
    INFO("receiver stderr: " << errors);
    CHECK(code == exit_protocol);
    CHECK_THAT(line_with(errors, "d/l/x"), Catch::StartsWith("ferry: "));
    CHECK(fs::is_empty(outside));
    CHECK(fs::is_empty(inbox));
    std::vector<std::string> under_root;
    for (const auto& e : fs::recursive_directory_iterator(root.path))
        under_root.push_back(e.path().lexically_relative(root.path).string());
    std::sort(under_root.begin(), under_root.end());
    CHECK(under_root == std::vector<std::string>{"inbox", "outside"});
}

TEST_CASE("a tree offer to --stdout is refused", "[malicious][e2e]") {
    relay_fixture relay;
    temp_dir out;
    std::string errors;
    evil_result seen;
    const auto code =
        receive_from(relay, out.path, tree_plan({folder_entry("d"), file_entry("d/f")}), errors,
                     {"--yes", "--stdout"}, &seen);
    INFO("receiver stderr: " << errors);
    CHECK(code == exit_usage);
    CHECK_THAT(line_with(errors, "standard output"), Catch::StartsWith("ferry: refused"));
    CHECK(seen.answer == "refuse: the receiver cannot take this here");
    CHECK(out.entries().empty());
}

TEST_CASE("a tree larger than the free space is refused before any byte", "[malicious][e2e]") {
    const auto size = GENERATE(std::uint64_t{1} << 62U, ~std::uint64_t{0});
    auto o = offer_of({folder_entry("d"), file_entry("d/f")});
    o.size = size;
    o.items[0].size = size;
    relay_fixture relay;
    temp_dir out;
    std::string errors;
    evil_result seen;
    const auto code =
        receive_from(relay, out.path, evil_plan{{msg::message{o}}, {}}, errors, {"--yes"}, &seen);
    INFO("receiver stderr: " << errors);
    CHECK(code == exit_local_io);
    const auto line = line_with(errors, "not enough free space");
    CHECK_THAT(line, Catch::StartsWith("ferry: "));
    // What is needed is at least what was offered (4.00 EiB, 16.0 EiB), never a sum that
    // wrapped around.
    CHECK_THAT(line,
               Catch::Contains(size == ~std::uint64_t{0} ? "16.0 EiB needed" : "4.00 EiB needed"));
    CHECK(seen.answer == "refuse: not enough free space on the receiver");
    CHECK(out.entries().empty());
}
