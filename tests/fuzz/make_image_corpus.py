#!/usr/bin/python3
"""Writes the image decoder fuzzer's seed corpus, tests/fuzz/corpus/image_decoder/.

Small valid and broken JPEG and PNG files covering the decoder's paths:
baseline, progressive, gray and CMYK JPEG; RGB, RGBA, palette with tRNS,
16-bit, 1-bit and Adam7-interlaced PNG; truncated files of both. Pillow
cannot write interlaced PNG, so that one is assembled here by hand.
Deterministic: run it again and the files come out byte for byte the same.

    /usr/bin/python3 tests/fuzz/make_image_corpus.py
"""
import io
import os
import struct
import zlib

from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "image_decoder")


def gradient(mode, width, height):
    image = Image.new("RGB", (width, height))
    image.putdata([((x * 16) % 256, (y * 16) % 256, ((x + y) * 8) % 256)
                   for y in range(height) for x in range(width)])
    return image.convert(mode)


def encode(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data +
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def interlaced_png(width, height):
    """An 8-bit RGB Adam7 PNG: each pass's rows, filter type 0, one IDAT."""
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
              (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]  # x0, y0, dx, dy
    pixel = lambda x, y: bytes(((x * 20) % 256, (y * 30) % 256, (x * y) % 256))
    raw = b""
    for x0, y0, dx, dy in passes:
        columns = range(x0, width, dx)
        if not columns:
            continue
        for y in range(y0, height, dy):
            raw += b"\0" + b"".join(pixel(x, y) for x in columns)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    os.makedirs(OUT, exist_ok=True)
    rgb = gradient("RGB", 16, 12)
    palette = gradient("RGB", 8, 8).quantize(colors=4)
    palette.info["transparency"] = 0
    files = {
        "baseline_420.jpg": encode(rgb, "JPEG", quality=90),
        "progressive_444.jpg": encode(rgb, "JPEG", quality=80, progressive=True,
                                      subsampling=0),
        "gray.jpg": encode(gradient("L", 8, 8), "JPEG", quality=75),
        "cmyk.jpg": encode(gradient("CMYK", 8, 8), "JPEG", quality=75),
        "rgb.png": encode(rgb, "PNG"),
        "rgba.png": encode(gradient("RGBA", 8, 6), "PNG"),
        "palette_trns.png": encode(palette, "PNG"),
        "gray16.png": encode(gradient("L", 8, 8).convert("I").point(lambda v: v * 257)
                             .convert("I;16"), "PNG"),
        "gray1.png": encode(gradient("L", 9, 5).convert("1"), "PNG"),
        "interlaced.png": interlaced_png(11, 9),
    }
    files["truncated.jpg"] = files["baseline_420.jpg"][:len(files["baseline_420.jpg"]) * 2 // 3]
    files["truncated.png"] = files["rgb.png"][:len(files["rgb.png"]) // 2]
    for name, data in sorted(files.items()):
        assert len(data) < 4096, name
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
