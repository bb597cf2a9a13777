"""The fetch worker's channel (a pipe each way): checked, length-prefixed frames.

A frame is MAGIC, the body's length, the body's CRC-32 and the CRC-32 of those three, then the
body. The parent trusts nothing it reads: bytes that are not a frame (something else wrote to
the worker's stdout, e.g. a profiler attached to it), a frame cut short, or a body that does not
match its checksum raise `CorruptFrame`, and the stream is then out of step for good, so the
caller drops the worker and the step fails (the next starts another worker). Before this, one
stray write reached pickle and killed the whole indexer with a `UnicodeDecodeError`.

Reads go to the file descriptor with select(): a frame whose first bytes came must arrive whole
within `stall` seconds (the worker writes each frame in one call), so a frame cut short while
the worker lives on fails instead of waiting forever for bytes that never come.
"""

from __future__ import annotations

import os
import select
import struct
import zlib

MAGIC = b"LFW\x01"
_HEAD = struct.Struct(">4sQII")  # magic, body length, body CRC-32, CRC-32 of the first three
MAX_BODY = 1 << 31  # a range's frame is ~10 MB; anything near this is a corrupt length
STALL_S = 30.0  # most seconds without a byte once a frame has begun


class CorruptFrame(Exception):
    """What the channel delivered is not a whole, intact frame."""


def encode(body: bytes) -> bytes:
    """The frame of `body`, ready for one write."""
    head = struct.pack(">4sQI", MAGIC, len(body), zlib.crc32(body))
    return head + struct.pack(">I", zlib.crc32(head)) + body


def _read_exactly(fd: int, size: int, stall: float, started: bool) -> bytes:
    """`size` bytes from `fd`; b"" at a clean end of the stream (before any byte of a frame)."""
    chunks: list[bytes] = []
    missing = size
    while missing:
        if started:
            ready, _, _ = select.select([fd], [], [], stall)
            if not ready:
                raise CorruptFrame(f"a frame stopped {missing} bytes short (no byte for {stall}s)")
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            if not started:
                return b""
            raise CorruptFrame(f"the stream ended {missing} bytes into a frame")
        started = True
        chunks.append(chunk)
        missing -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_frame(fd: int, *, stall: float = STALL_S) -> bytes:
    """The next frame's body. EOFError at a clean end of the stream (the writer is gone between
    frames); CorruptFrame for anything else that is not an intact frame."""
    head = _read_exactly(fd, _HEAD.size, stall, started=False)
    if not head:
        raise EOFError
    magic, size, body_crc, head_crc = _HEAD.unpack(head)
    if magic != MAGIC or zlib.crc32(head[: _HEAD.size - 4]) != head_crc:
        raise CorruptFrame(f"not a frame header: {head[:16]!r}")
    if size > MAX_BODY:
        raise CorruptFrame(f"a frame of {size} bytes")
    body = _read_exactly(fd, size, stall, started=True) if size else b""
    if zlib.crc32(body) != body_crc:
        raise CorruptFrame(f"a frame's body ({size} bytes) does not match its checksum")
    return body
