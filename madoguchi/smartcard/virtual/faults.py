"""Fault modes of a virtual card, for the reader's error paths (R-CARD-5)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, cast

from madoguchi.smartcard.virtual.files import MalformedKind

MALFORMED_KINDS: tuple[MalformedKind, ...] = ("overrun", "wrong_tag", "bad_utf8")


class InvalidFaults(ValueError):
    """A fault setting the card does not know or cannot take."""


@dataclass(frozen=True)
class CardFaults:
    """How a card misbehaves; the default is a card that behaves.

    * ``malformed_ef0002``: EF 0002 of the text AP is broken (see
      :func:`madoguchi.smartcard.virtual.files.basic_four_ef` for the kinds).
    * ``remove_after_apdus``: the N-th command from now is never answered; the card is pulled
      (the vicc closes its socket to vpcd).
    * ``bad_signature``: signatures are made with a key other than the certificate's.
    * ``resend_6c``: a READ BINARY whose Le runs past the end answers ``6C xx`` instead of the
      shorter data, so that the reader's resend path runs.
    * ``respond_61xx``: every response with data answers ``61 xx`` and the data must be
      fetched with GET RESPONSE.
    """

    malformed_ef0002: MalformedKind | None = None
    remove_after_apdus: int | None = None
    bad_signature: bool = False
    resend_6c: bool = False
    respond_61xx: bool = False

    def to_json(self) -> dict[str, Any]:
        """The settings as a JSON-serialisable dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, obj: object) -> CardFaults:
        """Read settings; ``malformed_ef0002: true`` means the ``"overrun"`` kind."""
        if obj is None:
            return cls()
        if not isinstance(obj, dict):
            raise InvalidFaults("faults must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = set(obj) - known
        if unknown:
            raise InvalidFaults(f"unknown faults: {sorted(unknown)}")
        malformed = obj.get("malformed_ef0002")
        if malformed is True:
            malformed = "overrun"
        if malformed is False:
            malformed = None
        if malformed is not None and malformed not in MALFORMED_KINDS:
            raise InvalidFaults(f"malformed_ef0002 must be one of {MALFORMED_KINDS}")
        remove_after = obj.get("remove_after_apdus")
        if remove_after is not None and (
            not isinstance(remove_after, int) or isinstance(remove_after, bool) or remove_after < 1
        ):
            raise InvalidFaults("remove_after_apdus must be a positive integer")
        for name in ("bad_signature", "resend_6c", "respond_61xx"):
            if not isinstance(obj.get(name, False), bool):
                raise InvalidFaults(f"{name} must be true or false")
        return cls(
            malformed_ef0002=cast("MalformedKind | None", malformed),
            remove_after_apdus=remove_after,
            bad_signature=obj.get("bad_signature", False),
            resend_6c=obj.get("resend_6c", False),
            respond_61xx=obj.get("respond_61xx", False),
        )
