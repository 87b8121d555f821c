#!/bin/sh
# `make run`: boot the appliance in QEMU with the serial console on this terminal.
#   NET=user (default, no root): QEMU user networking, host port HOSTPORT forwarded to the app.
#   NET=tap (root): a tap device with a host address, removed again when QEMU exits.
#   NIC=e1000|e1000e|virtio|virtio-modern  APP=echo  ACCEL=tcg|kvm  CONFIG=file  MEM=128M
#   CMDLINE="extra key=value ..."   CAPTURE=file.pcap: the second serial port (console command
#   `capture on`) goes to that file.   --debug: halted, with a gdb stub on :1234.
set -eu
cd "$(dirname "$0")/.."
NIC=${NIC:-e1000}; NET=${NET:-user}; APP=${APP:-echo}; ACCEL=${ACCEL:-tcg}; MEM=${MEM:-128M}
HOSTPORT=${HOSTPORT:-7777}; CONFIG=${CONFIG:-}; CMDLINE=${CMDLINE:-}
TAP=${TAP:-peregrine0}; TAP_HOST=${TAP_HOST:-10.99.0.1/24}; TAP_GUEST=${TAP_GUEST:-10.99.0.2/24}
KERNEL=build/peregrine-qemu.elf

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
[ "${1:-}" = --debug ] && args="$args -s -S"

case "$NET" in
user)
	net="-netdev user,id=n0,hostfwd=tcp:127.0.0.1:$HOSTPORT-:7,hostfwd=udp:127.0.0.1:$HOSTPORT-:7"
	guest="ip=10.0.2.15/24 gw=10.0.2.2"
	reach="TCP/UDP echo: nc 127.0.0.1 $HOSTPORT   (QEMU forwards 127.0.0.1:$HOSTPORT to the guest's port 7)"
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
	net="-netdev tap,id=n0,ifname=$TAP,script=no,downscript=no"
	guest="ip=$TAP_GUEST"
	reach="ping ${TAP_GUEST%/*}; nc ${TAP_GUEST%/*} 7   (tap $TAP, host side ${TAP_HOST%/*})"
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
qemu-system-x86_64 $args $net -device "$dev,netdev=n0" -kernel "$KERNEL" \
	-append "app=$APP $guest $CMDLINE"
