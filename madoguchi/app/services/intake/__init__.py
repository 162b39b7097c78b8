"""Intake of 転入・転出・転居・世帯変更 into drafts (R-INTAKE); one service per kind."""

from __future__ import annotations

from madoguchi.app.domain.intake import IntakeKind
from madoguchi.app.services.intake.base import (
    AlertsNotConfirmed,
    CheckResult,
    DraftNotEditable,
    DraftSaved,
    IntakeRefused,
    IntakeService,
)
from madoguchi.app.services.intake.household_change import HouseholdChangeService
from madoguchi.app.services.intake.move_in import MoveInService
from madoguchi.app.services.intake.move_out import MoveOutService
from madoguchi.app.services.intake.move_within import MoveWithinService
from madoguchi.storage.store import LocalStore

__all__ = [
    "AlertsNotConfirmed",
    "CheckResult",
    "DraftNotEditable",
    "DraftSaved",
    "HouseholdChangeService",
    "IntakeRefused",
    "IntakeService",
    "MoveInService",
    "MoveOutService",
    "MoveWithinService",
    "intake_services",
]


def intake_services(store: LocalStore) -> dict[IntakeKind, IntakeService]:
    """The service of each kind, on one store."""
    return {
        IntakeKind.MOVE_IN: MoveInService(store),
        IntakeKind.MOVE_OUT: MoveOutService(store),
        IntakeKind.MOVE_WITHIN: MoveWithinService(store),
        IntakeKind.HOUSEHOLD_CHANGE: HouseholdChangeService(store),
    }
