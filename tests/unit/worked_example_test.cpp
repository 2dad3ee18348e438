// The worked example of docs/protocol.md, computed by the code itself: if this test fails, the
// document or the protocol changed and they must be brought back in line.
#include <catch2/catch.hpp>

#include <string>

#include "common/crypto/record_cipher.hpp"
#include "common/crypto/sha256.hpp"
#include "common/session/code.hpp"
#include "common/session/session.hpp"
#include "common/transfer/hello.hpp"
#include "common/transfer/message.hpp"

using namespace ferry;

namespace {

std::vector<std::uint8_t> from_hex(const std::string& hex) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    return out;
}

// One record as it goes on the wire: length, then the plaintext sealed in place and its tag.
std::vector<std::uint8_t> sealed_record(record_cipher& seal,
                                        const std::vector<std::uint8_t>& plain) {
    std::vector<std::uint8_t> record(4 + plain.size() + record_tag_size);
    put_u32(record.data(), static_cast<std::uint32_t>(plain.size() + record_tag_size));
    std::copy(plain.begin(), plain.end(), record.begin() + 4);
    seal.seal(std::span(record).first(4), std::span(record).subspan(4, plain.size()),
              std::span(record).last<record_tag_size>());
    return record;
}

}  // namespace

TEST_CASE("the worked example of docs/protocol.md", "[session][example]") {
    const auto c = parse_code("7-crossover-clockwork");
    const auto w = crypto::spake2_password_scalar(c.text(), password_salt(c.nameplate));
    // Fixed private scalars (those of the first RFC 9382 vector); real sessions draw them.
    const auto x = from_hex("43dd0fd7215bdcb482879fca3220c6a968e66d70b1356cac18bb26c84a78d729");
    const auto y = from_hex("dcb60106f276b02606d8ef0a328c02e4b629f84f89786af5befb0bc75b6e66be");
    crypto::spake2 a(crypto::spake2_role::a, w, identity_sender, identity_receiver,
                     std::span<const std::uint8_t>(x));
    crypto::spake2 b(crypto::spake2_role::b, w, identity_sender, identity_receiver,
                     std::span<const std::uint8_t>(y));
    const auto pa = a.my_message();
    const auto pb = b.my_message();
    const auto ka = a.finish(pb);
    const auto kb = b.finish(pa);
    CHECK(ka.mac_a == kb.mac_a);
    CHECK(ka.mac_b == kb.mac_b);
    const auto keys = derive_record_keys(ka);

    // The first records the sender sends after confirmation: its HELLO (sequence 0), then the
    // OFFER of report.pdf, 12 bytes (sequence 1).
    record_cipher seal(keys.sender_to_receiver, record_cipher::mode::seal);
    const auto hello = sealed_record(seal, msg::encode(msg::hello{2, 0x1ff, "0.8.0"}));
    const auto record = sealed_record(seal, msg::encode(msg::offer{0, 12, "report.pdf"}));
    // The example's HELLO is what ferry 0.8 and 0.9 said; this ferry adds keepalive (0x200).
    CHECK(transfer::our_hello().version == 2);
    CHECK(transfer::our_hello().features == (0x1ff | 0x200));

    CHECK(to_hex(w) == "37f933ac623224dd504baf7f3c31b33180fb537205f3455adf1b05d6158ca174");
    CHECK(to_hex(pa) ==
          "04054cab73bf2a0ad0f47992e3f550408dd0cfe71b60e1325d14e88f40419ae3"
          "b94d39e11d5dffc15211bacb93b8b7e7d47f61624416ba027aef40fff1d94a7a"
          "87");
    CHECK(to_hex(pb) ==
          "0431ddace35698eeb5c7f57a9537425c13dbfe55a93a3d6bc40d413de6bf90e8"
          "77896bb8385775711634ee0e6c1b33b82d1d3f1685274cd86b43f890eec64d75"
          "40");
    CHECK(to_hex(ka.mac_a) == "c42986b096c506f4caab7dca616b2320fce4ef68a09297fa016568d02eef79d1");
    CHECK(to_hex(ka.mac_b) == "f90c941b80ba9c672fb85e1862862136fc3b3060acbe0568aefc2ba2a262be5f");
    CHECK(to_hex(keys.sender_to_receiver) ==
          "14a3845b2ba32bbeffdeece77d10328890b3361a3692df164cec958d2d7e7ddb");
    CHECK(to_hex(keys.receiver_to_sender) ==
          "5be33f6608ad251d7bd5eccd8244ff1c31a46f0c0650f9fd5b7e76c1bcea1bb8");
    CHECK(to_hex(hello) ==
          "00000020de57aeac7b19bf98b8aebfd8233095c596ab808913c5bbff57b7215a50863a3d");
    CHECK(to_hex(record) ==
          "00000026f01555ba3f9cce336f5160c990bab4c7a8cb1c5737b258dd107ee0a3"
          "4ca6cbb205f5ddbf30c9");
}

TEST_CASE("the tree example of docs/protocol.md", "[message][example]") {
    // The hex lines of the document as they are, spaces and all.
    const auto unspaced = [](std::string text) {
        std::erase(text, ' ');
        return text;
    };
    // An offer of a file "a.txt" of 5 bytes and a folder "d" holding one file of 3 bytes.
    msg::offer offer{static_cast<std::uint8_t>(msg::offer_kind::tree), 8, ""};
    offer.files = 2;
    offer.folders = 1;
    offer.symlinks = 0;
    offer.items = {{msg::entry_type::file, 1, 5, "a.txt"}, {msg::entry_type::folder, 1, 3, "d"}};
    CHECK(msg::encode(offer).size() == 62);
    CHECK(to_hex(msg::encode(offer)) ==
          unspaced("01 03 0000000000000008 0000 00000002 00000001 00000000 0002"
                   "00 00000001 0000000000000005 0005 612e747874"
                   "01 00000001 0000000000000003 0001 64"));

    const msg::entry entry{msg::entry_type::file, 0644, 1'700'000'000'000'000'000, 3, "d/b", ""};
    CHECK(msg::encode(entry).size() == 27);
    CHECK(to_hex(msg::encode(entry)) ==
          unspaced("09 00 01a4 17979cfe362a0000 0000000000000003 0003 642f62 0000"));

    sha256 h;
    const std::string abc = "abc";
    h.update(as_bytes(abc));
    const msg::file_end end{h.finish()};
    CHECK(to_hex(msg::encode(end)) ==
          unspaced("0a ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));

    // Each decodes back to what was encoded.
    for (const auto& m : {msg::message{offer}, msg::message{entry}, msg::message{end}}) {
        CHECK(msg::encode(msg::decode(msg::encode(m))) == msg::encode(m));
    }
}
