"""Tables: pandas or polars data frames when installed, plain columns otherwise."""

from __future__ import annotations

import csv
from typing import Any, Optional

FRAMES = ("auto", "pandas", "polars", "dict")


def check(frame: str) -> None:
    """Refuses an unknown kind of table."""
    if frame not in FRAMES:
        raise ValueError(f"frame={frame!r}: expected one of {', '.join(FRAMES)}")


def table(columns: Optional[dict], frame: str) -> Any:
    """`columns` (a dict from name to list) as `frame` asks: ``"pandas"``, ``"polars"``,
    ``"dict"`` (the columns themselves), or ``"auto"`` (pandas, else polars, else dict)."""
    check(frame)
    if columns is None:
        return None
    if frame in ("auto", "pandas"):
        try:
            import pandas
        except ImportError:
            if frame == "pandas":
                raise
        else:
            return pandas.DataFrame(columns)
    if frame in ("auto", "polars"):
        try:
            import polars
        except ImportError:
            if frame == "polars":
                raise
        else:
            return polars.DataFrame(columns, strict=False)
    return columns


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        return float(text)


def read_csv(path: str) -> dict:
    """A CSV file as columns: a column whose cells all read as numbers holds numbers, others
    hold text; an empty cell is ``None``."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        return {}
    names, body = rows[0], rows[1:]
    columns = {}
    for i, name in enumerate(names):
        cells = [row[i] if i < len(row) else "" for row in body]
        try:
            columns[name] = [_number(c) if c != "" else None for c in cells]
        except ValueError:
            columns[name] = [c if c != "" else None for c in cells]
    return columns
