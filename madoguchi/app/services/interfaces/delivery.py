"""Where interface records go: the :class:`Delivery` protocol and a folder sink.

A sink must accept the same record (same ``record_id``) again without effect: that is what
makes a resend, or a run repeated after a crash, idempotent at the consumer (R-IF-1).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol


class DeliveryFailed(Exception):
    """A sink could not hand a record over; ``reason`` is kept with the record."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Delivery(Protocol):
    """Where a queue's records go. Must accept the same record again without effect."""

    def deliver(
        self,
        record_id: str,
        record_type: str,
        payload: dict[str, Any],
        *,
        queue: str,
        seq: int,
    ) -> None:
        """Hand one record over, or raise DeliveryFailed with a reason staff can act on."""
        ...


class DirectoryDelivery:
    """Writes each record as ``<folder>/<queue>/<seq:08d>-<record_id>.json`` (file transfer).

    A file is written under a temporary name and linked into place, so a consumer never
    reads half a record. A file already there with the same content is a record delivered
    before (nothing is written); a different one is a failure, never overwritten.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, queue: str, seq: int, record_id: str) -> Path:
        """Where the record goes."""
        return self.folder / queue / f"{seq:08d}-{record_id}.json"

    def deliver(
        self,
        record_id: str,
        record_type: str,
        payload: dict[str, Any],
        *,
        queue: str,
        seq: int,
    ) -> None:
        """Write the record once; an identical existing file counts as delivered."""
        body = record_file_body(record_id, record_type, payload, queue=queue, seq=seq)
        target = self.path_for(queue, seq, record_id)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                self._check_same(target, body)
                return
            handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(body)
                    out.flush()
                    os.fsync(out.fileno())
                try:
                    os.link(temporary, target)  # fails if the name exists: never overwrite
                except FileExistsError:
                    self._check_same(target, body)
                    return
            finally:
                os.unlink(temporary)
            _fsync_directory(target.parent)
        except OSError as exc:
            raise DeliveryFailed(
                f"連携フォルダに書き込めません（{target.parent}）: {exc.strerror or exc}"
            ) from exc

    @staticmethod
    def _check_same(target: Path, body: bytes) -> None:
        if target.read_bytes() != body:
            raise DeliveryFailed(
                f"連携フォルダに同じ番号で内容の異なるファイルがあります: {target.name}"
            )


def record_file_body(
    record_id: str, record_type: str, payload: dict[str, Any], *, queue: str, seq: int
) -> bytes:
    """The canonical JSON of one record as written to a file (the same bytes every time)."""
    document = {
        "record_id": record_id,
        "queue": queue,
        "seq": seq,
        "record_type": record_type,
        "payload": payload,
    }
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1)
    return (text + "\n").encode("utf-8")


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
