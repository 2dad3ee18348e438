#!/usr/bin/env bash
# LAN mode for real, in network namespaces this test makes and removes itself:
#   A (sender) and B (receiver) joined by a veth pair with multicast on; C isolated (only lo).
# No relay is configured anywhere: A runs its own and announces it; B finds it; C finds nothing.
# Exits 77 (ctest: skipped) where namespaces cannot be made, saying why.
set -u
ferry=${1:?usage: lan_test.sh path/to/ferry}

# shellcheck source=tests/lan/netns.sh
. "$(dirname "$0")/netns.sh"

tag="fy$$"
ns_a="${tag}a" ns_b="${tag}b" ns_c="${tag}c"
fail() { echo "FAIL: $*"; exit 1; }
netns_start ferry-lan "$ns_a" "$ns_b" "$ns_c"
ip link add "${tag}va" type veth peer name "${tag}vb" || fail "veth"
ip link set "${tag}va" netns "$ns_a" && ip link set "${tag}vb" netns "$ns_b" || fail "veth netns"
ip -n "$ns_a" addr add 10.99.0.1/24 dev "${tag}va" || fail "address A"
ip -n "$ns_b" addr add 10.99.0.2/24 dev "${tag}vb" || fail "address B"
ip -n "$ns_a" link set "${tag}va" up multicast on || fail "link A"
ip -n "$ns_b" link set "${tag}vb" up multicast on || fail "link B"

netns_bound=60
# A relay that does not exist: --lan must win over it.
bogus="FERRY_RELAY=127.0.0.1:1"

start_sender() {  # $1: output file, then extra flags; sets sender_pid, code, direct
    local out=$1
    shift
    # shellcheck disable=SC2086  # send_flags: extra flags, word-split on purpose
    in_ns "$ns_a" "$@" "$ferry" send ${send_flags:-} "$work/data.bin" > "$out" 2> "$out.err" &
    sender_pid=$!
    pids+=("$sender_pid")
    # Until it has printed its address (or died), for at most 10 s.
    for _ in $(seq 200); do
        grep -q -- "--relay 10.99.0.1:" "$out" && break
        kill -0 "$sender_pid" 2>/dev/null || break
        sleep 0.05
    done
    code=$(grep -o 'Code: [^ ]*' "$out" | cut -d' ' -f2)
    direct=$(grep -o -- '--relay 10\.99\.0\.1:[0-9]*' "$out" | cut -d' ' -f2)
    [ -n "$code" ] && [ -n "$direct" ] || fail "the sender printed no code or address: $(cat "$out" "$out.err")"
}

head -c $((5 * 1024 * 1024 + 17)) /dev/urandom > "$work/data.bin"
mkdir -p "$work/out_b" "$work/out_c"

check_file() {  # $1: folder with the received data.bin
    local want got
    want=$(sha256sum < "$work/data.bin" | cut -d' ' -f1)
    got=$(sha256sum < "$1/data.bin" | cut -d' ' -f1)
    [ "$want" = "$got" ] || fail "SHA-256 differs: sent $want, received $got"
    echo "$got"
}

# 1. Nothing configured anywhere: A runs its own relay and announces it, B finds it.
start_sender "$work/code1" env
grep -q "LAN mode" "$work/code1" || fail "the sender did not say it is in LAN mode"
in_ns "$ns_b" "$ferry" receive --yes -o "$work/out_b" "$code" > "$work/b.out" 2>&1
rc=$?
wait "$sender_pid"; sender_rc=$?
[ "$rc" = 0 ] || fail "receiver in B exited $rc: $(cat "$work/b.out")"
[ "$sender_rc" = 0 ] || fail "sender in A exited $sender_rc: $(cat "$work/code1.err")"
echo "ok: LAN transfer A -> B verified ($(check_file "$work/out_b"))"

# 1b. --lan wins over a configured FERRY_RELAY on both sides.
rm -rf "$work/out_b" && mkdir -p "$work/out_b"
send_flags=--lan start_sender "$work/code1b" env "$bogus"
in_ns "$ns_b" env "$bogus" "$ferry" receive --lan --yes -o "$work/out_b" "$code" > "$work/b.out" 2>&1
rc=$?
wait "$sender_pid"; sender_rc=$?
[ "$rc" = 0 ] && [ "$sender_rc" = 0 ] || fail "--lan: receiver $rc, sender $sender_rc: $(cat "$work/b.out")"
echo "ok: --lan over FERRY_RELAY verified ($(check_file "$work/out_b"))"

# 2. C is isolated: a sender is waiting in A (LAN mode by default: no relay configured), but C
#    cannot see it.
start_sender "$work/code2" env
in_ns "$ns_c" "$ferry" receive --yes --lan-timeout 2s -o "$work/out_c" "$code" > "$work/c.out" 2>&1
rc=$?
[ "$rc" = 8 ] || fail "receiver in C exited $rc, not 8: $(cat "$work/c.out")"
grep -q "no sender with nameplate" "$work/c.out" || fail "no 'no sender' message: $(cat "$work/c.out")"
grep -q -- "--relay" "$work/c.out" || fail "no hint to use --relay: $(cat "$work/c.out")"
[ -z "$(ls -A "$work/out_c")" ] || fail "C wrote something"
echo "ok: isolated receiver in C: exit 8, says what to check"

# 3. Multicast blocked: B reaches A directly with the address the sender printed.
in_ns "$ns_b" "$ferry" receive --yes --relay "$direct" -o "$work/out_c" "$code" > "$work/b2.out" 2>&1
rc=$?
wait "$sender_pid"; sender_rc=$?
[ "$rc" = 0 ] && [ "$sender_rc" = 0 ] || fail "direct: receiver $rc, sender $sender_rc: $(cat "$work/b2.out")"
echo "ok: direct receive with --relay $direct verified ($(check_file "$work/out_c"))"

# 4. A wrong code in LAN mode fails on both sides as a wrong code.
start_sender "$work/code4" env
wrong="${code%-*}-aardvark"
[ "$wrong" != "$code" ] || wrong="${code%-*}-absurd"
in_ns "$ns_b" "$ferry" receive --yes -o "$work/out_b" "$wrong" > "$work/b4.out" 2>&1
rc=$?
wait "$sender_pid"; sender_rc=$?
[ "$rc" = 4 ] && [ "$sender_rc" = 4 ] || fail "wrong code: receiver $rc, sender $sender_rc: $(cat "$work/b4.out")"
echo "ok: a wrong code in LAN mode: exit 4 on both sides"
# 5. A host with loopback only (C): the sender says so and prints the address that works there.
in_ns "$ns_c" "$ferry" send "$work/data.bin" > "$work/code5" 2> "$work/code5.err" &
sender_pid=$!
pids+=("$sender_pid")
for _ in $(seq 200); do grep -q -- "--relay 127.0.0.1:" "$work/code5" && break; sleep 0.05; done
code=$(grep -o 'Code: [^ ]*' "$work/code5" | cut -d' ' -f2)
direct=$(grep -o -- '--relay 127\.0\.0\.1:[0-9]*' "$work/code5" | cut -d' ' -f2)
[ -n "$code" ] && [ -n "$direct" ] || fail "loopback only: no 127.0.0.1 hint: $(cat "$work/code5" "$work/code5.err")"
rm -rf "$work/out_c" && mkdir -p "$work/out_c"
in_ns "$ns_c" "$ferry" receive --yes --relay "$direct" -o "$work/out_c" "$code" > "$work/c5.out" 2>&1
rc=$?
wait "$sender_pid"; sender_rc=$?
[ "$rc" = 0 ] && [ "$sender_rc" = 0 ] || fail "loopback only: receiver $rc, sender $sender_rc: $(cat "$work/c5.out")"
echo "ok: loopback-only host prints --relay $direct, which works ($(check_file "$work/out_c"))"
echo "1 passed, 0 failed"
