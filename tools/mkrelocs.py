#!/usr/bin/env python3
"""Write KASLR's relocation table (kernel/kaslr.h, section .kreloc) as assembly.

Input: a kernel linked with --emit-relocs. Every relocation the linker applied inside a loaded
section is examined: an absolute one (R_X86_64_64, _32, _32S) against a symbol of the image
becomes a table entry, because moving the image moves what it names; a PC-relative one needs
nothing, because both ends move together. Anything else (a PC-relative reference to an absolute
address, a GOT or TLS relocation) would be wrong after the move, so the build stops on it.
With /dev/null as input it writes an empty table (the earlier link passes).

Usage: mkrelocs.py ELF > kreloc.S"""
import struct
import sys

R_NONE, R_64, R_PC32, R_32, R_32S, R_PLT32 = 0, 1, 2, 10, 11, 4
SHN_UNDEF, SHN_ABS = 0, 0xFFF1
SHT_SYMTAB, SHT_RELA = 2, 4
SHF_ALLOC = 2
ALIGN = 4096


def sections(elf):
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3A)
    out = []
    for i in range(shnum):
        name, typ, flags, addr, off, size, link, info, align, entsize = struct.unpack_from(
            "<IIQQQQIIQQ", elf, shoff + i * shentsize)
        out.append(dict(name=name, type=typ, flags=flags, addr=addr, off=off, size=size,
                        link=link, info=info, align=align, entsize=entsize))
    strtab = out[shstrndx]
    for s in out:
        end = elf.index(b"\0", strtab["off"] + s["name"])
        s["name"] = elf[strtab["off"] + s["name"]:end].decode()
    return out


def symbols(elf, symtab):
    syms = []
    for i in range(symtab["size"] // 24):
        _, info, _, shndx, value, _ = struct.unpack_from("<IBBHQQ", elf, symtab["off"] + i * 24)
        syms.append((shndx, value))
    return syms


def table(path):
    with open(path, "rb") as f:
        elf = f.read()
    if elf[:4] != b"\x7fELF" or elf[4] != 2:
        sys.exit(f"mkrelocs: {path}: not a 64-bit ELF")
    secs = sections(elf)
    loaded = [s for s in secs if s["flags"] & SHF_ALLOC and s["size"]]
    base = min(s["addr"] for s in loaded)
    for s in loaded:
        if s["align"] > ALIGN:
            sys.exit(f"mkrelocs: {s['name']} wants {s['align']}-byte alignment; KASLR moves by {ALIGN}")
    symtab = next((s for s in secs if s["type"] == SHT_SYMTAB), None)
    if symtab is None:
        sys.exit(f"mkrelocs: {path}: no symbol table")
    syms = symbols(elf, symtab)
    fixups = {R_64: [], R_32: [], R_32S: []}
    for rs in secs:
        if rs["type"] != SHT_RELA or not secs[rs["info"]]["flags"] & SHF_ALLOC:
            continue
        target = secs[rs["info"]]
        for i in range(rs["size"] // 24):
            off, info, _ = struct.unpack_from("<QQq", elf, rs["off"] + i * 24)
            typ, sym = info & 0xFFFFFFFF, info >> 32
            shndx, value = syms[sym]
            fixed = shndx in (SHN_ABS, SHN_UNDEF)   # symbol 0 (none) is SHN_UNDEF too
            if typ == R_NONE:
                continue
            if typ in (R_PC32, R_PLT32):
                if fixed:
                    sys.exit(f"mkrelocs: PC-relative reference at 0x{off:x} in {target['name']} "
                             "to an absolute address would break when the image moves")
                continue
            if typ not in fixups:
                sys.exit(f"mkrelocs: relocation type {typ} at 0x{off:x} in {target['name']} "
                         "is not handled")
            if fixed:
                continue     # an absolute symbol, or an undefined weak one (0): stays put
            fixups[typ].append(off - base)
    return fixups


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    fx = table(sys.argv[1]) if sys.argv[1] != "/dev/null" else {R_64: [], R_32: [], R_32S: []}
    print('\t.section .kreloc, "a"')
    print("\t.p2align 3")
    print("\t.globl kreloc_table")
    print("kreloc_table:")
    print(f"\t.long {len(fx[R_64])}, {len(fx[R_32])}, {len(fx[R_32S])}, 0")
    for typ in (R_64, R_32, R_32S):
        for off in sorted(fx[typ]):
            print(f"\t.long 0x{off:x}")


if __name__ == "__main__":
    main()
