#!/usr/bin/python3
"""Writes the small image fixtures of stylize's decoder tests with Pillow
(Debian: python3-pil). Run from this directory: /usr/bin/python3 make_images.py
rgb.png, truncated.jpg and bomb.png, which cmd/vkstyle's tests read too, go
to the repository's top-level testdata/; the rest stay here.

Every fixture is a 16x8 picture whose left half is red (255,0,0) and right
half blue (0,0,255), unless said otherwise, so the Go test can check the
orientation and colours after decoding:
  rgb.png, rgb.bmp, rgb.tiff, rgb.webp (lossless), rgb.gif   the picture
  gray.jpg      8-bit grayscale JPEG, left 50, right 200
  cmyk.jpg      CMYK JPEG of the picture (Adobe-inverted as Photoshop writes)
  exif6.jpg     the picture stored rotated, EXIF orientation 6 (rotate 90° CW
                to display): the decoder must give back 16 wide, 8 high
  gray16.png    16-bit grayscale PNG, left 1000, right 30000 (of 65535)
  alpha.png     RGBA: left half red opaque, right half fully transparent blue
  truncated.jpg the first half of an RGB JPEG
  bomb.png      a "decompression bomb": 661 bytes whose header claims
                100000x100000 pixels (two rows of zeros, then the end); a
                decoder that trusts the header allocates 40 GB
"""
from PIL import Image

SHARED = "../../testdata/"

W, H = 16, 8


def picture(mode="RGB"):
    im = Image.new("RGB", (W, H), (255, 0, 0))
    im.paste((0, 0, 255), (W // 2, 0, W, H))
    return im.convert(mode)


picture().save(SHARED + "rgb.png")
picture().save("rgb.bmp")
picture().save("rgb.tiff")
picture().save("rgb.webp", lossless=True)
picture().save("rgb.gif")

g = Image.new("L", (W, H), 50)
g.paste(200, (W // 2, 0, W, H))
g.save("gray.jpg", quality=100)

picture("CMYK").save("cmyk.jpg", quality=100)

# Stored rotated 90° counter-clockwise; orientation 6 says "rotate 90° CW".
stored = picture().transpose(Image.Transpose.ROTATE_90)
exif = Image.Exif()
exif[0x0112] = 6
stored.save("exif6.jpg", quality=100, exif=exif.tobytes())

g16 = Image.new("I", (W, H), 1000)  # mode I saves as 16-bit PNG
g16.paste(30000, (W // 2, 0, W, H))
g16.save("gray16.png")

a = Image.new("RGBA", (W, H), (255, 0, 0, 255))
a.paste((0, 0, 255, 0), (W // 2, 0, W, H))
a.save("alpha.png")

picture().save("full.jpg", quality=95)
data = open("full.jpg", "rb").read()
open(SHARED + "truncated.jpg", "wb").write(data[: len(data) // 2])
import os
os.remove("full.jpg")

# The bomb is written by hand: Pillow refuses to make it.
import struct
import zlib


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
rows = zlib.compress(b"\0" * (1 + 3 * 100000) * 2, 9)
open(SHARED + "bomb.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", rows) + chunk(b"IEND", b""))
