"""Atomic writes keep the old file or none; never a half-written one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cargorisk._io import atomic_path, sha256_file, write_bytes_atomic


def test_atomic_write_replaces(tmp_path: Path) -> None:
    dest = tmp_path / "sub" / "f.txt"
    write_bytes_atomic(dest, b"one")
    write_bytes_atomic(dest, b"two")
    assert dest.read_bytes() == b"two"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["f.txt"]


def test_failure_keeps_previous_content(tmp_path: Path) -> None:
    dest = tmp_path / "f.txt"
    dest.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), atomic_path(dest) as tmp:
        tmp.write_bytes(b"new but incomplete")
        raise KeyboardInterrupt
    assert dest.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_sha256(tmp_path: Path) -> None:
    f = tmp_path / "a"
    f.write_bytes(b"abc")
    assert sha256_file(f) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_unwritable_folder_is_a_one_line_input_error() -> None:
    from cargorisk.errors import InputError  # noqa: PLC0415

    with pytest.raises(
        InputError, match=r"cannot write /proc/no/such/f\.txt: .*; choose a writable folder"
    ) as info:
        write_bytes_atomic(Path("/proc/no/such/f.txt"), b"x")
    assert "\n" not in str(info.value)


def test_stale_temps_of_dead_writers_are_removed(tmp_path: Path) -> None:
    dest = tmp_path / "out.bin"
    dead = tmp_path / ".out.bin.999999999.abc.tmp"  # no such PID
    live = tmp_path / f".out.bin.{os.getpid()}.xyz.tmp"  # this process: alive
    dead.write_bytes(b"partial")
    live.write_bytes(b"in progress")
    write_bytes_atomic(dest, b"done")
    assert dest.read_bytes() == b"done" and not dead.exists() and live.exists()
