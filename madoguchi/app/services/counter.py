"""The services one counter terminal runs, built once from its store (composition helper)."""

from __future__ import annotations

from dataclasses import dataclass

from madoguchi.app.context import Clock, SystemClock
from madoguchi.app.services.register_view import RegisterViewService
from madoguchi.app.services.search import SearchService
from madoguchi.app.services.staff import StaffService
from madoguchi.storage.models import StoreMeta
from madoguchi.storage.store import LocalStore


@dataclass
class CounterServices:
    """Every use case of the counter, sharing one store and one clock."""

    store: LocalStore
    terminal_id: str
    clock: Clock
    search: SearchService
    register_view: RegisterViewService
    staff: StaffService

    @classmethod
    def build(
        cls, store: LocalStore, terminal_id: str, clock: Clock | None = None
    ) -> CounterServices:
        """Wire the services to ``store``."""
        clock = clock or SystemClock()
        return cls(
            store=store,
            terminal_id=terminal_id,
            clock=clock,
            search=SearchService(store),
            register_view=RegisterViewService(store),
            staff=StaffService(store, terminal_id, clock),
        )

    def store_facts(self) -> dict[str, str]:
        """The store's meta facts (municipality, data as of …)."""
        with self.store.transaction() as session:
            return {m.key: m.value for m in session.query(StoreMeta).all()}
