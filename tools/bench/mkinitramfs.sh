#!/bin/sh
# Build the Linux guest for `make bench`: Debian's packaged kernel (linux-image-amd64) plus an
# initramfs of busybox, the NIC and iptables modules (dependencies resolved with modules.dep),
# the project's epoll echo server, haproxy and iptables-legacy copied with their shared
# libraries, and tools/bench/init. Usage:
#   mkinitramfs.sh OUTDIR ECHOD [EXTRA_DIR]
# writes OUTDIR/vmlinuz and OUTDIR/initramfs.gz; files in EXTRA_DIR are copied to /etc.
# MINIMAL=1 leaves out haproxy, iptables and their modules: the echo guest (the memory and
# boot figures then measure what echo needs, not HAProxy's 17 MB of libraries).
set -eu
OUT=$1
ECHOD=$2
EXTRA=${3:-}
HERE=$(cd "$(dirname "$0")" && pwd)
# Modules the guest loads at boot, in this order after their dependencies: the benchmark NICs,
# then what `iptables-legacy -A FORWARD -p udp --dport N -j DROP` needs.
WANT="e1000 e1000e virtio_pci virtio_net x_tables ip_tables iptable_filter xt_tcpudp"
MINIMAL=${MINIMAL:-0}
[ "$MINIMAL" = 1 ] && WANT="e1000 e1000e virtio_pci virtio_net"

# The installed linux-image's version: the running kernel may be another one entirely.
VMLINUZ=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
[ -n "$VMLINUZ" ] || { echo "mkinitramfs: no /boot/vmlinuz-*: install linux-image-amd64" >&2; exit 1; }
KVER=${VMLINUZ#/boot/vmlinuz-}
MODDIR=/lib/modules/$KVER
[ -f "$MODDIR/modules.dep" ] || { echo "mkinitramfs: $MODDIR/modules.dep missing" >&2; exit 1; }

ROOTFS=$OUT/rootfs
rm -rf "$ROOTFS"
mkdir -p "$ROOTFS"/bin "$ROOTFS"/sbin "$ROOTFS"/etc "$ROOTFS"/proc "$ROOTFS"/sys "$ROOTFS"/dev \
	"$ROOTFS"/tmp "$ROOTFS"/run "$ROOTFS"/var/lib/haproxy "$ROOTFS"/lib/modules
cp "$VMLINUZ" "$OUT/vmlinuz"

# copy_bin FILE: the file and every shared library ldd names, at their own paths.
copy_bin() {
	mkdir -p "$ROOTFS$(dirname "$1")"
	cp -L "$1" "$ROOTFS$1"
	for lib in $(ldd "$1" 2>/dev/null | awk '/=>/ { print $3 } /^\t\// { print $1 }'); do
		[ -f "$lib" ] || continue
		mkdir -p "$ROOTFS$(dirname "$lib")"
		cp -L "$lib" "$ROOTFS$lib"
	done
}
# busybox (static from busybox-static; copy_bin also covers a dynamic one) and its applets.
copy_bin /bin/busybox
for a in $("$ROOTFS/bin/busybox" --list); do
	[ -e "$ROOTFS/bin/$a" ] || ln -s busybox "$ROOTFS/bin/$a"
done
cp "$ECHOD" "$ROOTFS/bin/echod"
if [ "$MINIMAL" != 1 ]; then
	copy_bin "$(command -v haproxy)"
	copy_bin /usr/sbin/xtables-legacy-multi
	for t in iptables-legacy iptables-legacy-restore iptables-legacy-save; do
		ln -sf xtables-legacy-multi "$ROOTFS/usr/sbin/$t"
	done
	# iptables loads its match/target extensions with dlopen from its compiled-in directory
	# (XTABLES_LIBDIR, under /usr/lib), out of ldd's sight.
	XT=""
	for d in /usr/lib/x86_64-linux-gnu/xtables /usr/lib64/xtables /usr/lib/xtables; do
		[ -f "$d/libxt_tcp.so" ] && XT=$d && break
	done
	[ -n "$XT" ] || { echo "mkinitramfs: iptables extensions (libxt_tcp.so) not found" >&2; exit 1; }
	mkdir -p "$ROOTFS$XT"
	for e in libxt_standard libxt_tcp libxt_udp libipt_standard libxt_udplite; do
		[ -f "$XT/$e.so" ] && cp "$XT/$e.so" "$ROOTFS$XT/"
	done
	for lib in $(ldd "$XT/libxt_tcp.so" 2>/dev/null | awk '/=>/ { print $3 }'); do
		mkdir -p "$ROOTFS$(dirname "$lib")" && cp -L "$lib" "$ROOTFS$lib"
	done
fi

# Modules: depth-first over modules.dep so dependencies load first; built-ins are skipped.
# Decompressed here so busybox insmod needs no xz/zstd support.
ORDER=$OUT/modules.order
: > "$ORDER"
resolve() {
	local path dep d
	path=$(awk -F: -v m="$1" '{ n = $1; sub(/.*\//, "", n); sub(/\.ko(\.(xz|zst|gz))?$/, "", n);
		gsub(/-/, "_", n); if (n == m) { print $1; exit } }' "$MODDIR/modules.dep")
	if [ -z "$path" ]; then
		grep -q "/$1.ko" "$MODDIR/modules.builtin" 2>/dev/null && return 0
		echo "mkinitramfs: module $1 not found for $KVER" >&2
		exit 1
	fi
	grep -qx "$path" "$ORDER" && return 0
	for dep in $(awk -F: -v p="$path" '$1 == p { print $2 }' "$MODDIR/modules.dep"); do
		d=${dep##*/}; d=${d%%.ko*}
		resolve "$(echo "$d" | tr - _)"
	done
	grep -qx "$path" "$ORDER" || echo "$path" >> "$ORDER"
}
for m in $WANT; do resolve "$m"; done
while read -r path; do
	name=${path##*/}; name=${name%%.ko*}.ko
	case "$path" in
	*.xz) xz -dc "$MODDIR/$path" > "$ROOTFS/lib/modules/$name" ;;
	*.zst) zstd -qdc "$MODDIR/$path" > "$ROOTFS/lib/modules/$name" ;;
	*.gz) gzip -dc "$MODDIR/$path" > "$ROOTFS/lib/modules/$name" ;;
	*) cp "$MODDIR/$path" "$ROOTFS/lib/modules/$name" ;;
	esac
	echo "$name" >> "$ROOTFS/etc/modules.order"
done < "$ORDER"

cp "$HERE/init" "$ROOTFS/init"
chmod +x "$ROOTFS/init"
if [ -n "$EXTRA" ]; then cp "$EXTRA"/* "$ROOTFS/etc/"; fi
echo "root:x:0:0:root:/:/bin/sh" > "$ROOTFS/etc/passwd"
echo "root:x:0:" > "$ROOTFS/etc/group"
(cd "$ROOTFS" && find . | cpio -o -H newc --quiet | gzip -9) > "$OUT/initramfs.gz"
echo "mkinitramfs: $KVER, $(wc -l < "$ORDER") modules, initramfs $(wc -c < "$OUT/initramfs.gz") bytes"
