#!/usr/bin/env bash
# A share in LAN mode for real, in network namespaces this test makes and removes itself:
#   A (the share) joined to B1, B2 and B3 (receivers) by a veth pair each, multicast on.
# No relay is configured anywhere: A runs its own, which pairs every receiver with the share
# while it is open, and announces it on each link; each receiver finds it there.
# Exits 77 (ctest: skipped) where namespaces cannot be made, saying why.
set -u
ferry=${1:?usage: lan_share_test.sh path/to/ferry}

# shellcheck source=tests/lan/netns.sh
. "$(dirname "$0")/netns.sh"

tag="fs$$"
ns_a="${tag}a"
fail() { echo "FAIL: $*"; exit 1; }
netns_start ferry-lan-share "$ns_a" "${tag}b1" "${tag}b2" "${tag}b3"
for i in 1 2 3; do
    ns="${tag}b$i"
    ip link add "${tag}a$i" type veth peer name "${tag}b$i" || fail "veth $i"
    ip link set "${tag}a$i" netns "$ns_a" && ip link set "${tag}b$i" netns "$ns" || fail "netns $i"
    ip -n "$ns_a" addr add "10.98.$i.1/24" dev "${tag}a$i" || fail "address A$i"
    ip -n "$ns" addr add "10.98.$i.2/24" dev "${tag}b$i" || fail "address B$i"
    ip -n "$ns_a" link set "${tag}a$i" up multicast on || fail "link A$i"
    ip -n "$ns" link set "${tag}b$i" up multicast on || fail "link B$i"
done

netns_bound=90

mkdir -p "$work/tree/sub"
head -c $((3 * 1024 * 1024 + 5)) /dev/urandom > "$work/tree/a.bin"
head -c 70000 /dev/urandom > "$work/tree/sub/b.bin"
echo hello > "$work/tree/sub/c.txt"

# --max-receivers 3: it ends by itself once the three are served.
in_ns "$ns_a" "$ferry" share --max-receivers 3 "$work/tree" > "$work/share.out" 2> "$work/share.err" &
share_pid=$!
pids+=("$share_pid")
for _ in $(seq 200); do
    grep -q "Code: " "$work/share.out" && break
    kill -0 "$share_pid" 2>/dev/null || break
    sleep 0.05
done
code=$(grep -o 'Code: [^ ]*' "$work/share.out" | cut -d' ' -f2)
[ -n "$code" ] || fail "the share printed no code: $(cat "$work/share.out" "$work/share.err")"
grep -q "LAN mode" "$work/share.out" || fail "the share did not say it is in LAN mode"

# Three receivers at once, one on each link, each finding the share by its announcement.
receivers=()
for i in 1 2 3; do
    mkdir -p "$work/out$i"
    in_ns "${tag}b$i" "$ferry" receive --yes -o "$work/out$i" "$code" > "$work/b$i.out" 2>&1 &
    receivers+=($!)
    pids+=($!)
done
for i in 1 2 3; do
    wait "${receivers[$((i - 1))]}"
    rc=$?
    [ "$rc" = 0 ] || fail "receiver in B$i exited $rc: $(cat "$work/b$i.out")"
    diff -r "$work/tree" "$work/out$i/tree" > /dev/null || fail "B$i received other bytes"
done
echo "ok: three receivers in B1, B2, B3 took the share at once, every file verified"

wait "$share_pid"
rc=$?
[ "$rc" = 0 ] || fail "the share exited $rc: $(cat "$work/share.err")"
grep -q "3 receivers, 3 complete" "$work/share.out" || fail "no summary: $(cat "$work/share.out")"
echo "ok: the share ended once served: $(grep 'Stopped sharing' "$work/share.out")"
echo "1 passed, 0 failed"
