#!/usr/bin/env python3
"""Turn a file into a C source defining a byte array (the embedded payload)."""
import sys

src, dst, name = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(src, "rb").read()
with open(dst, "w") as out:
    out.write("/* generated from %s by embed_blob.py */\n" % src.split("/")[-1])
    out.write("#include <stddef.h>\n#include <stdint.h>\n")
    out.write("const uint8_t %s[] __attribute__((aligned(16))) = {\n" % name)
    for i in range(0, len(data), 16):
        out.write("  " + ", ".join("0x%02x" % b for b in data[i:i + 16]) + ",\n")
    out.write("};\nconst size_t %s_size = %d;\n" % (name, len(data)))
