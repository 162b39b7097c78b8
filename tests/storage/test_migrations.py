"""The local schema's migrations: upgrade head on an empty store, then no model drift."""

from __future__ import annotations

import subprocess
import sys


def test_upgrade_head_then_alembic_check() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "madoguchi.storage.migrations", "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "alembic check OK" in result.stdout


def test_the_start_up_shortcut_knows_the_real_head() -> None:
    from alembic.script import ScriptDirectory

    from madoguchi.storage.migrations import LOCAL_HEAD, LOCAL_SCRIPTS

    assert ScriptDirectory(str(LOCAL_SCRIPTS)).get_current_head() == LOCAL_HEAD
