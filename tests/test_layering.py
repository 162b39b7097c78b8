"""The layers below ``widgets/`` stay free of Qt, and the layers keep their direction.

``forms → widgets → app → {storage, smartcard}``: ``madoguchi.app``, ``madoguchi.storage`` and
``madoguchi.smartcard`` never import PySide6 (checked by importing every module in a fresh
interpreter, and statically), never import ``widgets``/``forms``, and ``storage`` and
``smartcard`` never import each other (checked statically with ``ast``).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_ROOT = REPO_ROOT / "madoguchi"

QT_PREFIXES = ("PySide6", "shiboken6")

# Layer -> modules it must not import (besides Qt, which no layer here may import).
FORBIDDEN_IMPORTS: dict[str, tuple[str, ...]] = {
    "app": ("madoguchi.widgets", "madoguchi.forms"),
    "storage": ("madoguchi.widgets", "madoguchi.forms", "madoguchi.smartcard", "madoguchi.app"),
    "smartcard": ("madoguchi.widgets", "madoguchi.forms", "madoguchi.storage", "madoguchi.app"),
}

RESULT_MARKER = "@@LAYERING-RESULT@@"

# Runs in a fresh interpreter: imports every module of one package and reports, as JSON on
# the last marked line, which modules could not be imported and which pulled in Qt (with the
# chain of modules that were executing when the first Qt module was looked up).
IMPORT_ALL_MODULES = r"""
import importlib
import json
import pkgutil
import sys
import traceback

PACKAGE = sys.argv[1]
QT_PREFIXES = ("PySide6", "shiboken6")
MARKER = "@@LAYERING-RESULT@@"
result = {"imported": [], "errors": [], "qt_imports": [], "leaked": []}
current = [None]
reported = set()


def _is_qt(name):
    return any(name == p or name.startswith(p + ".") for p in QT_PREFIXES)


def _import_chain():
    chain = []
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        name = frame.f_globals.get("__name__", "?")
        internal = name == "__main__" or name == "importlib" or name.startswith("importlib.")
        if not filename.startswith("<frozen") and not internal:
            chain.append(f"{name} ({filename}:{frame.f_lineno}, in {frame.f_code.co_name})")
        frame = frame.f_back
    return list(reversed(chain))


class QtImportRecorder:
    # Sees every Qt module lookup that is not already satisfied by sys.modules.
    def find_spec(self, name, path=None, target=None):
        # The first Qt lookup per imported module is the one its own code made.
        if _is_qt(name) and current[0] not in reported:
            reported.add(current[0])
            result["qt_imports"].append(
                {"qt_module": name, "while_importing": current[0], "chain": _import_chain()}
            )
        return None


sys.meta_path.insert(0, QtImportRecorder())


def _skipped(name):
    parts = name.split(".")
    if parts[-1] == "__main__":
        return True
    # Alembic scripts run only inside alembic's own context (env.py, versions/*).
    if name.startswith("madoguchi.storage.migrations."):
        return "versions" in parts or parts[-1] == "env"
    return False


def _record_error(name):
    result["errors"].append({"module": name, "traceback": traceback.format_exc()})


def _import(name):
    current[0] = name
    try:
        importlib.import_module(name)
    except BaseException:
        _record_error(name)
    else:
        result["imported"].append(name)


_import(PACKAGE)
package = sys.modules.get(PACKAGE)
if package is not None:
    for info in pkgutil.walk_packages(package.__path__, PACKAGE + ".", onerror=_record_error):
        if not _skipped(info.name):
            _import(info.name)

result["leaked"] = sorted(name for name in sys.modules if _is_qt(name))
sys.stdout.flush()
print("\n" + MARKER + json.dumps(result))
"""


def _run_import_all(package: str) -> dict[str, list]:
    completed = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL_MODULES, package],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    marked = [line for line in completed.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if completed.returncode != 0 or not marked:
        output = f"{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}"
        pytest.fail(
            f"importing every module of {package} in a fresh interpreter crashed "
            f"(exit {completed.returncode}):\n{output}"
        )
    result: dict[str, list] = json.loads(marked[-1][len(RESULT_MARKER) :])
    return result


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_IMPORTS))
def test_no_qt_when_importing_every_module(layer: str) -> None:
    package = f"madoguchi.{layer}"
    result = _run_import_all(package)

    problems: list[str] = []
    for error in result["errors"]:
        problems.append(f"could not import {error['module']}:\n{error['traceback']}")
    if result["leaked"]:
        leaked = result["leaked"]
        shown = ", ".join(leaked[:4]) + (f" and {len(leaked) - 4} more" if len(leaked) > 4 else "")
        lines = [f"Qt modules loaded after importing {package}: {shown}"]
        for qt_import in result["qt_imports"]:
            chain = "\n    -> ".join(qt_import["chain"]) or "(no chain recorded)"
            lines.append(
                f"  {qt_import['qt_module']} was imported while importing "
                f"{qt_import['while_importing']}:\n    {chain}\n    -> {qt_import['qt_module']}"
            )
        problems.append("\n".join(lines))

    if problems:
        pytest.fail(
            f"{package} must import without PySide6/shiboken6:\n\n" + "\n\n".join(problems),
            pytrace=False,
        )
    assert package in result["imported"]


def _import_statements(path: Path) -> list[tuple[ast.stmt, list[str]]]:
    """Every import statement of a file (at any depth) with the absolute module names it names."""
    # The package a relative import starts from: the file's folder (also for __init__.py).
    package_parts = list(path.relative_to(REPO_ROOT).parent.parts)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    statements: list[tuple[ast.stmt, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            statements.append((node, [alias.name for alias in node.names]))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package_parts[: len(package_parts) - (node.level - 1)]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            # `from madoguchi import smartcard` imports the subpackage itself.
            statements.append((node, [base, *(f"{base}.{alias.name}" for alias in node.names)]))
    return statements


def _matches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_IMPORTS))
def test_layer_imports_point_downwards(layer: str) -> None:
    layer_dir = PACKAGE_ROOT / layer
    assert layer_dir.is_dir(), f"{layer_dir} is missing"
    forbidden = (*FORBIDDEN_IMPORTS[layer], *QT_PREFIXES)

    violations = [
        f"  {path.relative_to(REPO_ROOT)}:{statement.lineno}: {ast.unparse(statement)}"
        for path in sorted(layer_dir.rglob("*.py"))
        for statement, names in _import_statements(path)
        if any(_matches(name, prefix) for name in names for prefix in forbidden)
    ]
    if violations:
        pytest.fail(
            f"madoguchi/{layer} must not import {', '.join(forbidden)}:\n" + "\n".join(violations),
            pytrace=False,
        )
