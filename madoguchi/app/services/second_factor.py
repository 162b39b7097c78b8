"""Second factors for sign-in (R-ROLE-4): one interface, TOTP as the working factor.

A staff IC card (PC/SC) or a biometric device plugs in as another ``SecondFactor`` with its
own ``kind``; accounts name the kind they use. TOTP follows RFC 6238 (pyotp): 6 digits, 30 s
steps, one step of clock drift either way, and a code is accepted only once (replay).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import pyotp

from madoguchi.app.context import JST

ISSUER = "住民記録 窓口端末"


class SecondFactor(Protocol):
    """A second factor: checks a response and returns a replay token, or None on failure."""

    kind: str
    label: str

    def verify(
        self, secret: str, response: str, at: dt.datetime, last_used: int | None
    ) -> int | None:
        """The token to remember (e.g. the TOTP step) when ``response`` is right, else None."""
        ...


class TotpFactor:
    """Time-based one-time passwords from an authenticator app."""

    kind = "totp"
    label = "ワンタイムパスワード（認証アプリ）"
    step_seconds = 30

    def verify(
        self, secret: str, response: str, at: dt.datetime, last_used: int | None
    ) -> int | None:
        """Accept the code of the current step or one either side, never a step used before."""
        code = "".join(ch for ch in response if ch.isdigit())
        if len(code) != 6:
            return None
        totp = pyotp.TOTP(secret)
        moment = at.replace(tzinfo=JST) if at.tzinfo is None else at
        step = int(moment.timestamp()) // self.step_seconds
        for candidate in (step, step - 1, step + 1):
            if last_used is not None and candidate <= last_used:
                continue
            if totp.at(candidate * self.step_seconds) == code:
                return candidate
        return None


SECOND_FACTORS: dict[str, SecondFactor] = {TotpFactor.kind: TotpFactor()}


def new_totp_secret() -> str:
    """A fresh base32 TOTP secret for enrolment."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, staff_no: str) -> str:
    """The otpauth:// URI an authenticator app scans."""
    return pyotp.TOTP(secret).provisioning_uri(name=staff_no, issuer_name=ISSUER)


def current_code(secret: str, at: dt.datetime) -> str:
    """The TOTP code at ``at`` (demo listing and tests)."""
    moment = at.replace(tzinfo=JST) if at.tzinfo is None else at
    return pyotp.TOTP(secret).at(moment)
