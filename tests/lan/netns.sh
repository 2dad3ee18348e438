# Sourced by the LAN tests (bash): the network namespaces a test makes and removes itself.
#
# netns_start WORK_NAME NS...: exits 77 (ctest: skipped), saying why, unless this is root with
#   iproute2 and every tool named in $netns_tools, and where namespaces cannot be made; else makes
#   the work folder $work (${TMPDIR:-/tmp}/WORK_NAME.XXXXXX) and the namespaces NS..., loopback up
#   in each, and cleans up on exit: kills what the test put in pids, removes the namespaces and
#   $work. The test defines fail() first.
# in_ns NS COMMAND...: COMMAND in NS without FERRY_RELAY. Every command is bounded (by
#   $netns_bound seconds), so that the script always gets to its cleanup before ctest's timeout.

pids=()
netns_names=()

netns_cleanup() {
    local p ns
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    for ns in "${netns_names[@]}"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$work"
}

netns_start() {
    local name=$1 ns tool
    shift
    if [ "$(id -u)" != 0 ]; then echo "SKIPPED: network namespaces need root"; exit 77; fi
    if ! command -v ip >/dev/null; then echo "SKIPPED: iproute2 (ip) is not installed"; exit 77; fi
    for tool in ${netns_tools:-}; do
        command -v "$tool" >/dev/null || { echo "SKIPPED: $tool is not installed"; exit 77; }
    done
    work=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")
    trap netns_cleanup EXIT
    netns_names=("$1")
    if ! ip netns add "$1" 2>"$work/err"; then
        echo "SKIPPED: cannot create network namespaces here: $(cat "$work/err")"
        exit 77
    fi
    shift
    for ns in "$@"; do
        netns_names+=("$ns")
        ip netns add "$ns" || fail "ip netns add $ns"
    done
    for ns in "${netns_names[@]}"; do ip -n "$ns" link set lo up; done
}

in_ns() {
    local ns=$1
    shift
    timeout "${netns_bound:-60}" ip netns exec "$ns" env -u FERRY_RELAY "$@"
}
