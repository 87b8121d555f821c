#!/bin/sh
# Install the Debian packages `make bench` needs beyond tools/deps.sh: the Linux guest's
# kernel and userland (linux-image-amd64, busybox-static, haproxy, iptables) and the host-side
# load tools (hping3, gnuplot-nox, iperf3, wrk, nginx). As root it installs what is missing
# non-interactively without starting any service; otherwise it prints the command and fails.
set -eu
PKGS="linux-image-amd64 kmod cpio gzip busybox-static haproxy iptables nginx hping3 gnuplot-nox
iperf3 wrk qemu-system-x86 iproute2 iputils-ping socat python3"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "make bench needs these Debian packages:$missing" >&2
	echo "Run once as root:  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "bench deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# haproxy and nginx run only inside the benchmark: policy-rc.d exit 101 keeps invoke-rc.d from
# starting their services on install (Debian policy 9.3.3). Leave one another tool put there.
own_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
	own_policy=1
fi
trap '[ "$own_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
apt-get install -y -qq --no-install-recommends $missing >/tmp/peregrine-bench-deps.log 2>&1 || {
	tail -n 30 /tmp/peregrine-bench-deps.log >&2
	exit 1
}
echo "bench deps: done"
