"""The fetch worker's frames: what is not an intact frame is refused as CorruptFrame (never
handed to pickle), a clean end between frames is EOFError, a frame cut short fails after the
stall instead of waiting for ever."""

from __future__ import annotations

import os
import tempfile
import time

import pytest

from indexer import frames


def _pipe_with(data: bytes) -> int:
    """A descriptor that reads `data`, then the end of the stream (a pipe's writer that wrote
    and closed; a file, since a pipe holds only 64 KiB before its reader starts)."""
    with tempfile.TemporaryFile() as f:
        f.write(data)
        f.flush()
        fd = os.dup(f.fileno())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def test_frames_round_trip_and_end_cleanly() -> None:
    fd = _pipe_with(frames.encode(b"one") + frames.encode(b"") + frames.encode(b"x" * 70_000))
    assert frames.read_frame(fd) == b"one"
    assert frames.read_frame(fd) == b""
    assert frames.read_frame(fd) == b"x" * 70_000  # larger than a pipe's buffer
    with pytest.raises(EOFError):
        frames.read_frame(fd)
    os.close(fd)


@pytest.mark.parametrize(
    "data",
    [
        b"Traceback (most recent call last):\n" + frames.encode(b"body"),  # foreign bytes
        frames.encode(b"body")[:-1] + b"B",  # the body changed
        frames.encode(b"body")[:6] + b"\xff" + frames.encode(b"body")[7:],  # its length changed
        frames.encode(b"body")[:10],  # the stream ended inside the header
        frames.encode(b"body")[:-2],  # ... and inside the body
    ],
    ids=["foreign", "body", "length", "short-header", "short-body"],
)
def test_what_is_not_an_intact_frame_is_refused(data: bytes) -> None:
    fd = _pipe_with(data)
    with pytest.raises(frames.CorruptFrame):
        frames.read_frame(fd)
    os.close(fd)


def test_a_frame_cut_short_while_the_writer_lives_fails_after_the_stall() -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, frames.encode(b"x" * 100)[:50])
    t0 = time.monotonic()
    with pytest.raises(frames.CorruptFrame, match="short"):
        frames.read_frame(read_end, stall=0.2)
    assert time.monotonic() - t0 < 5
    os.close(read_end)
    os.close(write_end)
