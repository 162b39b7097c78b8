"""Interfaces to the other systems (REQUIREMENTS §10, R-IF-1): outbound queues and inbound files.

- ``records``: which records a registered change gives each queue (pure);
- ``queue``: writing them at approval, showing, delivering and resending them (a standalone
  terminal; a synced one hands them to the centre, ``storage/sync/handover.py``);
- ``central``: delivering, resending and purging the centre's queues;
- ``delivery``: the sink protocol and a folder sink;
- ``inbound`` / ``inbound_format``: importing 転出証明書情報 and online reservations;
- ``retention``: purging unused certificates and handed-over 送付先情報.

Command line: ``python -m madoguchi.app.services.interfaces --help``. Layouts: docs/interfaces.md.
"""

from __future__ import annotations

from madoguchi.app.services.interfaces.central import CentralQueueService, CentreQueueError
from madoguchi.app.services.interfaces.delivery import (
    Delivery,
    DeliveryFailed,
    DirectoryDelivery,
)
from madoguchi.app.services.interfaces.inbound import (
    ImportReport,
    InboundFileError,
    RecordProblem,
    import_move_out_certificates,
    import_reservations,
)
from madoguchi.app.services.interfaces.queue import (
    DeliveredAtCentre,
    DeliveryReport,
    InterfaceQueueService,
    QueueCounts,
    QueuedRecord,
    ResendRefused,
)
from madoguchi.app.services.interfaces.records import (
    QUEUE_LABELS,
    QUEUES,
    ConsumerInfo,
    OutboundRecord,
    records_for,
)
from madoguchi.app.services.interfaces.retention import (
    purge_handed_over_send_to,
    purge_unused_certificates,
)

__all__ = [
    "QUEUES",
    "QUEUE_LABELS",
    "CentralQueueService",
    "CentreQueueError",
    "ConsumerInfo",
    "DeliveredAtCentre",
    "Delivery",
    "DeliveryFailed",
    "DeliveryReport",
    "DirectoryDelivery",
    "ImportReport",
    "InboundFileError",
    "InterfaceQueueService",
    "OutboundRecord",
    "QueueCounts",
    "QueuedRecord",
    "RecordProblem",
    "ResendRefused",
    "import_move_out_certificates",
    "import_reservations",
    "purge_handed_over_send_to",
    "purge_unused_certificates",
    "records_for",
]
