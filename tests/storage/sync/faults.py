"""A centre transport that loses answers or delivers twice, for the fault-injection tests."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from madoguchi.storage.sync import Centre, CentreUnavailable
from madoguchi.storage.sync.centre import PullBatch


@dataclass
class FaultyCentre:
    """Wraps a real centre; ``lose_next_answers`` pushes commit but their answer is lost,
    ``duplicate`` sends every push twice (one after the other, or from two threads)."""

    real: Centre
    lose_next_answers: int = 0
    duplicate: str | None = None  # None | "sequential" | "concurrent"
    pushes: list[list[dict[str, Any]]] = field(default_factory=list)

    def push(self, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.pushes.append(ops)
        if self.duplicate == "sequential":
            self.real.push(ops)
        elif self.duplicate == "concurrent":
            other = type(self.real)(self.real.dsn)  # type: ignore[attr-defined]
            results: list[Any] = []
            thread = threading.Thread(target=lambda: results.append(other.push(ops)))
            thread.start()
            answer = self.real.push(ops)
            thread.join()
            other.close()
            assert [r["result"] for r in results[0]] == [r["result"] for r in answer]
            return answer
        answer = self.real.push(ops)
        if self.lose_next_answers:
            self.lose_next_answers -= 1
            raise CentreUnavailable("接続が切れました（試験: 応答の消失）")
        return answer

    def pull(self, since: int, limit: int) -> PullBatch:
        return self.real.pull(since, limit)

    def snapshot(self) -> Any:
        return self.real.snapshot()

    def wait_for_change(self, timeout: float) -> bool:
        return self.real.wait_for_change(timeout)

    def conflicts(self, staff_no: str) -> list[dict[str, Any]]:
        return self.real.conflicts(staff_no)

    def close(self) -> None:
        self.real.close()
