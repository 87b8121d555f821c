# The router test topology (POSIX sh, sourced after lib.sh): three network namespaces.
#   $RTR_NS  holds QEMU's taps: tap0 (guest eth0, LAN) in bridge br0, tap1 (guest eth1, WAN)
#            in br1; each bridge also holds one end of a veth pair
#   $LAN_NS  the LAN host: lan0 = 10.1.0.2/24, default route via the router's 10.1.0.1
#   $WAN_NS  the WAN host: wan0 = 10.2.0.2/24, no route to the LAN (replies must be NATed)
# Bridging keeps the taps in the namespace QEMU runs in, so QEMU attaches to both by name.
RTR_LAN_HOST=10.1.0.2
RTR_LAN_ADDR=10.1.0.1
RTR_WAN_HOST=10.2.0.2
RTR_WAN_ADDR=10.2.0.1

# topo_side SIDE N HOSTIF HOSTCIDR: tapN + brN in $RTR_NS, veth to HOSTIF in namespace SIDE.
topo_side() {
	ip -n "$RTR_NS" tuntap add dev "tap$2" mode tap &&
	ip -n "$RTR_NS" link add "br$2" type bridge &&
	ip -n "$RTR_NS" link add "v$2" type veth peer name "$3" netns "$1" &&
	ip -n "$RTR_NS" link set "tap$2" master "br$2" &&
	ip -n "$RTR_NS" link set "v$2" master "br$2" &&
	ip -n "$RTR_NS" link set "tap$2" up &&
	ip -n "$RTR_NS" link set "v$2" up &&
	ip -n "$RTR_NS" link set "br$2" up &&
	ip -n "$1" link set lo up &&
	ip -n "$1" addr add "$4" dev "$3" &&
	ip -n "$1" link set "$3" up
}

# topo_up: build everything; returns non-zero (after a message) when a step fails.
topo_up() {
	for ns in "$RTR_NS" "$LAN_NS" "$WAN_NS"; do
		ip netns add "$ns" || { echo "topo: cannot add namespace $ns"; return 1; }
		# no IPv6 chatter (router solicitations, MLD) on the links under test
		in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	done
	topo_side "$LAN_NS" 0 lan0 "$RTR_LAN_HOST/24" || { echo "topo: LAN side failed"; return 1; }
	topo_side "$WAN_NS" 1 wan0 "$RTR_WAN_HOST/24" || { echo "topo: WAN side failed"; return 1; }
	ip -n "$LAN_NS" route add default via "$RTR_LAN_ADDR" || { echo "topo: LAN route failed"; return 1; }
}

topo_down() { netns_down "$RTR_NS" "$LAN_NS" "$WAN_NS"; }

# topo_qemu_args MODEL: the QEMU NIC arguments for guest eth0 on tap0 and eth1 on tap1.
# RTR_NIC_OPTS adds device properties to both (e.g. ",event_idx=off" for virtio).
topo_qemu_args() {
	dev=$(nic_device "$1")${RTR_NIC_OPTS:-} || return 1
	echo "-netdev tap,id=n0,ifname=tap0,script=no,downscript=no -device $dev,netdev=n0,mac=52:54:00:10:00:01" \
	     "-netdev tap,id=n1,ifname=tap1,script=no,downscript=no -device $dev,netdev=n1,mac=52:54:00:10:00:02"
}
