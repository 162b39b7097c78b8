"""The terminal's side of sync with the centre (R-SYNC-1…5, ARCHITECTURE decision 4).

- ``push``: pending outbox ops in order, each with its UUID; the answer recorded per op.
- ``pull``: the change log by cursor into the replica, one local transaction per batch.
- ``bootstrap``: a new replica from a consistent snapshot of the centre, resumable.
- ``problems``: conflicts and refusals the centre reported, for the GUI.
- ``worker``: the thread that runs it all, with LISTEN/NOTIFY nudges and backoff.
- ``centre``: the transport (the centre's ``sync`` functions over psycopg).

The design, the central functions and the conflict rules: docs/SYNC.md.
"""

from madoguchi.storage.sync.bootstrap import (
    BootstrapCancelled,
    BootstrapProgress,
    BootstrapReport,
    bootstrap,
    enrol_loaded_copy,
)
from madoguchi.storage.sync.centre import (
    Centre,
    CentreRefused,
    CentreUnavailable,
    PostgresCentre,
    ResyncNeeded,
)
from madoguchi.storage.sync.problems import (
    SyncProblem,
    acknowledge,
    blocked_persons,
    list_problems,
)
from madoguchi.storage.sync.pull import NotBootstrapped, PullReport, pull_changes
from madoguchi.storage.sync.push import PushReport, push_pending
from madoguchi.storage.sync.status import SyncStatus, WorkerState, read_status
from madoguchi.storage.sync.worker import CycleReport, SyncWorker

__all__ = [
    "BootstrapCancelled",
    "BootstrapProgress",
    "BootstrapReport",
    "Centre",
    "CentreRefused",
    "CentreUnavailable",
    "CycleReport",
    "NotBootstrapped",
    "PostgresCentre",
    "PullReport",
    "PushReport",
    "ResyncNeeded",
    "SyncProblem",
    "SyncStatus",
    "SyncWorker",
    "WorkerState",
    "acknowledge",
    "blocked_persons",
    "bootstrap",
    "enrol_loaded_copy",
    "list_problems",
    "pull_changes",
    "push_pending",
    "read_status",
]
