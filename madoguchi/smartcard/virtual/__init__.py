"""A virtual My Number card behind a real pcscd, through the vsmartcard vpcd driver (R-CARD-7).

For tests, the demo and 研修モード: synthetic people (:class:`CardProfile`), a test JPKI
(:class:`TestCA`), the card OS (``card.py``/``mynumber.py``), the vpcd client (``vicc.py``) and a
control channel (``control.py``, client :class:`VirtualCardControl`). Run it with
``python -m madoguchi.smartcard.virtual``.
"""

from madoguchi.smartcard.virtual.client import (
    CardStatus,
    RetryCounters,
    VirtualCardControl,
    VirtualCardControlError,
)
from madoguchi.smartcard.virtual.faults import CardFaults
from madoguchi.smartcard.virtual.pki import TestCA
from madoguchi.smartcard.virtual.profile import CardProfile, load_profiles, sample_profile

__all__ = [
    "CardFaults",
    "CardProfile",
    "CardStatus",
    "RetryCounters",
    "TestCA",
    "VirtualCardControl",
    "VirtualCardControlError",
    "load_profiles",
    "sample_profile",
]
