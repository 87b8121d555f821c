#!/bin/sh
# Install every Debian package the build, `make run` and the tests need. As root it installs
# what is missing (non-interactively); otherwise it prints the one command to run and fails.
set -eu
PKGS="make gcc binutils libc6-dev git xz-utils
qemu-system-x86 qemu-utils ovmf
grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools
newlib-source libcunit1-dev
clang llvm libclang-rt-14-dev
iproute2 iputils-ping socat curl netcat-openbsd iperf3 wrk tcpdump python3 python3-scapy nginx dnsmasq-base nmap"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "Peregrine needs these Debian packages:$missing" >&2
	echo "Run once as root:  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# nginx is used as a test backend only: keep its service from starting on install.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get install -y -qq --no-install-recommends $missing >/tmp/peregrine-deps.log 2>&1 || {
	tail -n 30 /tmp/peregrine-deps.log >&2
	exit 1
}
echo "deps: done"
