#!/usr/bin/env python3
"""declare_duration.py IN OUT SECONDS: copies IN to OUT with only the duration its header declares
changed - the media (samples, clusters, indexes) stays as it is. MP4/MOV: the movie header (mvhd,
version 0: 32 bits in the movie timescale, so at most 0xFFFFFFFF ticks); Matroska/WebM: the
Segment Info Duration (a float in TimestampScale units). Used to make files whose header claims far
more than they hold (issue 11: "declares 4.29e6 s but holds 2 s")."""
import struct
import sys


def mp4_boxes(data, start, end):
    """Yields (offset, header size, box size, type) of the boxes in data[start:end]."""
    i = start
    while i + 8 <= end:
        size, kind = struct.unpack(">I4s", data[i:i + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[i + 8:i + 16])[0]
            header = 16
        elif size == 0:
            size = end - i
        if size < header or i + size > end:
            raise ValueError("malformed box at %d" % i)
        yield i, header, size, kind
        i += size


def patch_mp4(data, seconds):
    for off, hdr, size, kind in mp4_boxes(data, 0, len(data)):
        if kind != b"moov":
            continue
        for moff, mhdr, _, mkind in mp4_boxes(data, off + hdr, off + size):
            if mkind != b"mvhd":
                continue
            body = moff + mhdr
            if data[body] != 0:
                raise ValueError("mvhd version %d: only version 0 is handled" % data[body])
            timescale = struct.unpack(">I", data[body + 12:body + 16])[0]
            ticks = min(0xFFFFFFFF, round(seconds * timescale))
            struct.pack_into(">I", data, body + 16, ticks)
            return ticks / timescale
    raise ValueError("no moov/mvhd box")


def ebml_vint(data, i, keep_marker):
    """Reads an EBML variable-size integer at i: returns (value, length)."""
    first = data[i]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8:
        raise ValueError("bad EBML number at %d" % i)
    value = first if keep_marker else first & (0xFF >> length)
    for k in range(1, length):
        value = value << 8 | data[i + k]
    return value, length


def ebml_element(data, i):
    """Returns (id, body offset, body size) of the EBML element at i."""
    eid, idn = ebml_vint(data, i, True)
    size, szn = ebml_vint(data, i + idn, False)
    return eid, i + idn + szn, size


def patch_mkv(data, seconds):
    eid, body, size = ebml_element(data, 0)  # the EBML header
    eid, i, _ = ebml_element(data, body + size)
    if eid != 0x18538067:
        raise ValueError("no Matroska Segment after the EBML header")
    while True:  # the Segment's children, up to its Info
        eid, body, size = ebml_element(data, i)
        if eid == 0x1549A966:
            break
        i = body + size
    i, end = body, body + size
    scale = 1000000  # TimestampScale default: 1 ms
    duration_at = None
    while i < end:
        eid, body, esize = ebml_element(data, i)
        if eid == 0x2AD7B1:  # TimestampScale
            scale = int.from_bytes(data[body:body + esize], "big")
        elif eid == 0x4489:  # Duration
            duration_at = (body, esize)
        i = body + esize
    if duration_at is None:
        raise ValueError("no Duration in Segment Info")
    body, esize = duration_at
    value = seconds * 1e9 / scale
    struct.pack_into(">d" if esize == 8 else ">f", data, body, value)
    return seconds


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    src, dst, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    data = bytearray(open(src, "rb").read())
    declared = patch_mkv(data, seconds) if data[:4] == b"\x1a\x45\xdf\xa3" else patch_mp4(data, seconds)
    with open(dst, "wb") as f:
        f.write(data)
    print("%s declares %.3f s" % (dst, declared))


if __name__ == "__main__":
    main()
