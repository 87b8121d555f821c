#!/bin/sh
# Build newlib's libc/libm once for the freestanding x86_64 kernel, with the host gcc as the
# target compiler, from Debian's newlib-source tarball. Output: $OUT/{include,lib}.
# Rebuilt only when this script or the tarball changes (a stamp records both).
set -eu
OUT=${1:-build/newlib}
TARBALL=$(ls /usr/src/newlib/newlib-*.tar.* 2>/dev/null | head -n 1 || true)
if [ -z "$TARBALL" ]; then
	echo "build-newlib: /usr/src/newlib/newlib-*.tar.* not found (apt-get install newlib-source)" >&2
	exit 1
fi
STAMP="$OUT/.stamp"
want=$( (cat "$0"; ls -l "$TARBALL") | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -f "$OUT/lib/libc.a" ]; then
	exit 0
fi
echo "  NEWLIB  $TARBALL -> $OUT (once, about a minute)"
rm -rf "$OUT"
mkdir -p "$OUT/src" "$OUT/obj"
OUT=$(cd "$OUT" && pwd)
STAMP="$OUT/.stamp"
tar -C "$OUT/src" -xf "$TARBALL" --strip-components=1
# Kernel code model: no red zone (interrupts push onto the stack), no PIC, no stack protector
# inside libc. The syscalls (_write, _sbrk, ...) come from kernel/syscalls.c, not newlib.
CFLAGS_T="-O2 -g -ffreestanding -mno-red-zone -fno-pic -fno-pie -fno-stack-protector -fno-builtin -w"
cd "$OUT/obj"
"$OUT/src/newlib/configure" --host=x86_64-elf --build="$(gcc -dumpmachine)" \
	--prefix="$OUT/install" --disable-multilib --disable-newlib-supplied-syscalls \
	--enable-newlib-io-long-long --enable-newlib-io-c99-formats --disable-newlib-fvwrite-in-streamio \
	--disable-newlib-wide-orient --enable-newlib-nano-malloc --disable-newlib-unbuf-stream-opt \
	--enable-lite-exit --disable-newlib-multithread \
	CC=gcc AR=ar AS=as RANLIB=ranlib LD=ld CFLAGS="$CFLAGS_T" MAKEINFO=true >config.log.out 2>&1 \
	|| { tail -n 30 config.log.out >&2; exit 1; }
make -j"$(nproc)" MAKEINFO=true >build.log 2>&1 || { tail -n 40 build.log >&2; exit 1; }
make install MAKEINFO=true >install.log 2>&1 || { tail -n 20 install.log >&2; exit 1; }
mkdir -p "$OUT/lib"
cp -r "$OUT/install/x86_64-elf/include" "$OUT/include"
cp "$OUT/install/x86_64-elf/lib/libc.a" "$OUT/install/x86_64-elf/lib/libm.a" "$OUT/lib/"
rm -rf "$OUT/src" "$OUT/obj" "$OUT/install"
echo "$want" > "$STAMP"
