"""Connections made inside another network namespace: how the engine reaches a lab's devices.

A lab's management network lives in a namespace of its own (several labs on one host, each
with the same addresses, and none of them in the root namespace). A TCP connection opened
while the calling thread is in that namespace stays there for its whole life; the thread
returns to its own namespace at once. Linux's setns(2) acts on the calling thread only, so
other threads never notice. Needs CAP_SYS_ADMIN (root), as the lab does.

    sock = connect("/run/netns/ul3fa2c1-mgmt", "198.18.0.11", 22, timeout=10)
"""

from __future__ import annotations

import ctypes
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

CLONE_NEWNET = 0x40000000


def connect(netns: str, host: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to host:port made inside the network namespace at path `netns`."""
    with inside(netns):
        return socket.create_connection((host, port), timeout=timeout)


@contextmanager
def inside(netns: str) -> Iterator[None]:
    """The calling thread in the network namespace `netns` for the block; back after it."""
    own = os.open(f"/proc/self/task/{threading.get_native_id()}/ns/net", os.O_RDONLY)
    try:
        target = os.open(netns, os.O_RDONLY)
        try:
            _setns(target, netns)
        finally:
            os.close(target)
        try:
            yield
        finally:
            _setns(own, "the thread's own network namespace")
    finally:
        os.close(own)


def _setns(fd: int, what: str) -> None:
    if _libc().setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns into {what}: {os.strerror(err)}")


_LIBC: list[ctypes.CDLL] = []


def _libc() -> ctypes.CDLL:
    if not _LIBC:
        _LIBC.append(ctypes.CDLL(None, use_errno=True))
    return _LIBC[0]
