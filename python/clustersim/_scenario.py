"""How a scenario and its overrides are handed to the engine."""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from typing import Any, Optional, Union

Scenario = Union[str, "os.PathLike[str]"]

# A value the command line would read as this very string: it starts with a letter, so TOML
# cannot read it as a number, date, array or table, and it is not one of TOML's words.
_BARE = re.compile(r"[A-Za-z][A-Za-z0-9_.:/+@-]*")
_TOML_WORDS = {"true", "false", "inf", "nan"}


def source(scenario: Scenario, base_dir: Optional[Scenario] = None) -> dict:
    """The engine's description of `scenario`: a path, ``library:NAME``, or TOML text.

    A string is TOML text when it holds a line break, or an ``=`` and names no file and does
    not end in ``.toml`` (a missing ``exp/lr=0.1/s.toml`` is a missing file, not text); text's
    relative paths are tried against `base_dir` first, then the working folder.
    """
    if isinstance(scenario, os.PathLike):
        return {"kind": "path", "value": os.fspath(scenario)}
    if not isinstance(scenario, str):
        raise TypeError(f"a scenario is a path, `library:NAME` or TOML text, not {type(scenario).__name__}")
    if scenario.startswith("library:") or not is_text(scenario):
        return {"kind": "path", "value": scenario}
    return {
        "kind": "text",
        "value": scenario,
        "origin": "<scenario text>",
        "base_dir": None if base_dir is None else os.fspath(base_dir),
    }


def whole(name: str, value: Any, low: int = 0, high: int = 2**63 - 1) -> Any:
    """`value` when it is ``None`` or a whole number from `low` to `high` (by default 2⁶³ − 1,
    the largest a scenario file can hold), else a ``ValueError`` (``TypeError`` for a
    non-integer) naming the argument `name`."""
    if value is None:
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        if not (hasattr(value, "__index__") and not isinstance(value, bool)):
            raise TypeError(f"{name}={value!r}: expected a whole number")
        value = value.__index__()
    if not low <= value <= high:
        raise ValueError(f"{name}={value}: expected a whole number from {low} to {high}")
    return value


def is_text(scenario: str) -> bool:
    """Whether the string `scenario` is TOML text rather than a path (see :func:`source`)."""
    if "\n" in scenario:
        return True
    return "=" in scenario and not scenario.endswith(".toml") and not os.path.exists(scenario)


def texts(scenario: Scenario, overrides: list) -> list:
    """The scenario's text (when it is a file that can be read) and its overrides: where the
    ``py:`` names of Python parts are looked for."""
    found = list(overrides)
    if isinstance(scenario, str) and is_text(scenario):
        found.append(scenario)
    elif not (isinstance(scenario, str) and scenario.startswith("library:")):
        try:
            with open(os.fspath(scenario), encoding="utf-8") as f:
                found.append(f.read())
        except (OSError, UnicodeDecodeError, TypeError):
            pass
    return found


def toml_value(value: Any, bare: bool = True) -> str:
    """`value` written as a TOML value, the way ``--set KEY=VALUE`` takes it: a string that the
    command line would read as itself stays bare when `bare` (not inside arrays and tables).
    NumPy scalars and arrays (``np.float64``, ``np.arange(...)``) are the Python values they
    hold."""
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and not isinstance(value, (str, bytes, Mapping, list, tuple)):
        value = tolist()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(float(value))
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str):
        if bare and _BARE.fullmatch(value) and value not in _TOML_WORDS:
            return value
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        items = ", ".join(f"{json.dumps(str(k))} = {toml_value(v, False)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v, False) for v in value) + "]"
    raise TypeError(f"cannot write a {type(value).__name__} as a scenario value: {value!r}")


def keyed_value(key: Any, value: Any) -> str:
    """:func:`toml_value` of the value of scenario key `key`; a value it cannot write is named
    by its key."""
    try:
        return toml_value(value)
    except TypeError as e:
        raise TypeError(f"{key}: {e}") from None


def overrides(values: Any) -> list:
    """``KEY=VALUE`` overrides from a mapping of dotted keys to values, or a list of
    ``KEY=VALUE`` strings as ``--set`` takes them."""
    if values is None:
        return []
    if isinstance(values, Mapping):
        return [f"{key}={keyed_value(key, value)}" for key, value in values.items()]
    if isinstance(values, str):
        return [values]
    if not isinstance(values, (list, tuple)):
        raise TypeError(
            f"overrides: expected a mapping of dotted keys to values or a list of KEY=VALUE strings, got {values!r}"
        )
    return [str(v) for v in values]
