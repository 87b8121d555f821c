#!/bin/sh
# `make run`: boot the appliance in QEMU with the serial console on this terminal.
#   NET=user (default, no root): QEMU user networking, host port HOSTPORT forwarded to the app.
#   NET=tap (root): a tap device with a host address, removed again when QEMU exits.
#   NIC=e1000|e1000e|virtio|virtio-modern  APP=echo|router|lb  ACCEL=tcg|kvm  CONFIG=file  MEM=128M
#   The appliance is APP, else the app= of CONFIG, else echo. Addresses come from CONFIG when
#   it sets them. app=router gets a second NIC (eth1, the WAN side).
#   CMDLINE="extra key=value ..."   CAPTURE=file.pcap: the second serial port (console command
#   `capture on`) goes to that file.   --debug: halted, with a gdb stub on :1234.
set -eu
cd "$(dirname "$0")/.."
NIC=${NIC:-e1000}; NET=${NET:-user}; ACCEL=${ACCEL:-tcg}; MEM=${MEM:-128M}
HOSTPORT=${HOSTPORT:-7777}; CONFIG=${CONFIG:-}; CMDLINE=${CMDLINE:-}
TAP=${TAP:-peregrine0}; TAP_HOST=${TAP_HOST:-10.99.0.1/24}; TAP_GUEST=${TAP_GUEST:-10.99.0.2/24}
TAP1=${TAP1:-peregrine1}; TAP1_HOST=${TAP1_HOST:-10.98.0.1/24}; TAP1_GUEST=${TAP1_GUEST:-10.98.0.2/24}
KERNEL=build/peregrine-qemu.elf

# conf KEY: the value of KEY in the config file (last one wins, like the kernel's parser).
conf() { if [ -n "$CONFIG" ]; then sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$CONFIG" | tail -n 1; fi; }
app_arg=""
if [ -n "${APP:-}" ]; then app_arg="app=$APP"; else APP=$(conf app); APP=${APP:-echo}; fi
# Addresses on the command line only where the file has none (the command line would win).
eth0_ip() { [ -z "$(conf ip)$(conf eth0.ip)" ] && echo "$1" || true; }
eth1_ip() { [ -z "$(conf eth1.ip)" ] && echo "$1" || true; }
gw_of()   { [ -z "$(conf gw)" ] && echo "gw=$1" || true; }
# The host port forward goes to the app's port: echo 7, the lb frontend's port, else none.
case "$APP" in
echo) appport=$(conf echo.port); appport=${appport:-7} ;;
lb) appport=$(conf lb.frontend | sed -n 's/^[^ ]*:\([0-9]*\).*/\1/p'); appport=${appport:-80} ;;
*) appport="" ;;
esac

case "$NIC" in
e1000) dev="e1000" ;;
e1000e) dev="e1000e" ;;
virtio) dev="virtio-net-pci,disable-modern=on" ;;
virtio-modern) dev="virtio-net-pci,disable-legacy=on" ;;
*) echo "run: NIC=$NIC: expected e1000, e1000e, virtio or virtio-modern" >&2; exit 2 ;;
esac

args="-accel $ACCEL -m $MEM -display none -serial mon:stdio -no-reboot"
[ "$ACCEL" = kvm ] && args="$args -cpu host"
[ -n "$CONFIG" ] && args="$args -initrd $CONFIG"
[ -n "${CAPTURE:-}" ] && args="$args -serial file:$CAPTURE"
[ "${1:-}" = --debug ] && args="$args -s -S" && CMDLINE="kaslr=off $CMDLINE"   # symbols at link addresses

case "$NET" in
user)
	fwd=""
	[ -n "$appport" ] && fwd=",hostfwd=tcp:127.0.0.1:$HOSTPORT-:$appport,hostfwd=udp:127.0.0.1:$HOSTPORT-:$appport"
	mport=$(conf metrics.port)
	[ -n "$mport" ] && fwd="$fwd,hostfwd=tcp:127.0.0.1:${METRICSPORT:-9100}-:$mport"
	net="-device $dev,netdev=n0 -netdev user,id=n0$fwd"
	guest="$(eth0_ip ip=10.0.2.15/24) $(gw_of 10.0.2.2)"
	reach="port $appport: nc 127.0.0.1 $HOSTPORT   (QEMU forwards 127.0.0.1:$HOSTPORT to the guest's port $appport)"
	[ -z "$appport" ] && reach="no port forward for app=$APP"
	[ -n "$mport" ] && reach="$reach; metrics: curl 127.0.0.1:${METRICSPORT:-9100}/metrics"
	if [ "$APP" = router ]; then        # eth1 (WAN): a second user network, QEMU's NAT outward
		net="$net -device $dev,netdev=n1 -netdev user,id=n1,net=10.0.3.0/24"
		guest="$(eth0_ip eth0.ip=10.0.2.15/24) $(eth1_ip eth1.ip=10.0.3.15/24) $(gw_of 10.0.3.2)"
	fi
	;;
tap)
	if [ "$(id -u)" != 0 ]; then
		echo "run: NET=tap creates tap device $TAP and gives the host $TAP_HOST: that needs root." >&2
		echo "     Run: sudo make run NET=tap   (or NET=user, which needs nothing)" >&2
		exit 1
	fi
	ip tuntap add dev "$TAP" mode tap
	trap 'ip link del "$TAP" 2>/dev/null || true' EXIT INT TERM
	ip addr add "$TAP_HOST" dev "$TAP"
	ip link set "$TAP" up
	net="-device $dev,netdev=n0 -netdev tap,id=n0,ifname=$TAP,script=no,downscript=no"
	guest="$(eth0_ip ip=$TAP_GUEST)"
	reach="ping ${TAP_GUEST%/*}   (tap $TAP, host side ${TAP_HOST%/*})"
	if [ "$APP" = router ]; then        # eth1 (WAN) on a second tap
		ip tuntap add dev "$TAP1" mode tap
		trap 'ip link del "$TAP" 2>/dev/null || true; ip link del "$TAP1" 2>/dev/null || true' EXIT INT TERM
		ip addr add "$TAP1_HOST" dev "$TAP1"
		ip link set "$TAP1" up
		net="$net -device $dev,netdev=n1 -netdev tap,id=n1,ifname=$TAP1,script=no,downscript=no"
		guest="$(eth0_ip eth0.ip=$TAP_GUEST) $(eth1_ip eth1.ip=$TAP1_GUEST)"
		reach="$reach; WAN tap $TAP1, host side ${TAP1_HOST%/*}"
	fi
	;;
*) echo "run: NET=$NET: expected user or tap" >&2; exit 2 ;;
esac

echo "Peregrine: app=$APP nic=$NIC net=$NET accel=$ACCEL"
echo "  $reach"
echo "  console: this terminal (type 'help'); quit QEMU with Ctrl-A then X"
if [ "${1:-}" = --debug ]; then
	echo "  halted for gdb:  gdb build/peregrine.elf -ex 'target remote :1234'"
fi
# shellcheck disable=SC2086
qemu-system-x86_64 $args $net -kernel "$KERNEL" \
	-append "$app_arg $guest $CMDLINE"
