"""Loaders for tables of measurements: CSV, Parquet, NPZ.

Units come from ``units={"x": "m"}`` (the CLI's ``--unit x=m``) or from a header cell
``x [m]``. Every problem a user can cause raises :class:`DataError` naming the column
and row (rows are numbered from 1 after the header; CSV lines from 1 including it).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Mapping

import numpy as np

from physlens.data.dataset import Dataset, Variable
from physlens.errors import DataError

MIN_ROWS = 10
_HEADER_UNIT = re.compile(r"^\s*(?P<name>[^\[\]]+?)\s*\[(?P<unit>[^\[\]]*)\]\s*$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TABLE_SUFFIXES = (".csv", ".parquet", ".pq", ".npz")


def split_header(cell: str) -> tuple[str, str | None]:
    """``"x [m]"`` -> ``("x", "m")``; ``"x"`` -> ``("x", None)``."""
    match = _HEADER_UNIT.match(cell)
    if match:
        return match.group("name").strip(), match.group("unit").strip()
    return cell.strip(), None


def _check_names(names: list[str], source: str) -> None:
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name:
            raise DataError(f"{source}: column {position} has an empty name; every column needs a name")
        if name in seen:
            raise DataError(f"{source}: duplicate column name {name!r}; column names must be unique")
        if not _IDENTIFIER.match(name):
            raise DataError(
                f"{source}: column name {name!r} cannot be used in equations; use letters, digits and _ "
                "(starting with a letter), e.g. 'v_0'"
            )
        seen.add(name)


def _read_csv(path: Path) -> tuple[list[str], dict[str, np.ndarray]]:
    import pandas as pd

    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if not header or not any(cell.strip() for cell in header):
                raise DataError(f"{path}: the file is empty; expected a header line of column names, then rows of numbers")
            for line, row in enumerate(reader, start=2):
                if len(row) != len(header) and any(cell.strip() for cell in row):
                    raise DataError(
                        f"{path}: ragged rows: line {line} has {len(row)} fields, the header has {len(header)}"
                    )
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text; save the table as CSV (UTF-8)") from None
    except csv.Error as error:
        raise DataError(f"{path}: cannot read as CSV: {error}") from None
    try:
        frame = pd.read_csv(
            path, header=0, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8-sig",
            index_col=False, skip_blank_lines=True,
        )
    except pd.errors.ParserError as error:
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
        if match:
            raise DataError(
                f"{path}: ragged rows: line {match.group(2)} has {match.group(3)} fields, the header has {match.group(1)}"
            ) from None
        raise DataError(f"{path}: cannot read as CSV: {error}") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text; save the table as CSV (UTF-8)") from None
    columns = {}
    for position, cell in enumerate(header):
        raw = frame.iloc[:, position].to_numpy(dtype=object)
        stripped = np.char.strip(raw.astype(str))
        short = stripped == ""
        if short.any():
            row = int(np.argmax(short)) + 1
            raise DataError(
                f"{path}: column {split_header(cell)[0]!r} row {row} (line {row + 1}) is empty; every cell needs a number "
                f"(is the row shorter than the header's {len(header)} fields?)"
            )
        numbers = pd.to_numeric(pd.Series(stripped), errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(numbers) & ~np.isin(np.char.lower(stripped), ["nan", "+nan", "-nan"])
        if bad.any():
            row = int(np.argmax(bad)) + 1
            raise DataError(
                f"{path}: column {split_header(cell)[0]!r} row {row} (line {row + 1}) holds {str(stripped[row - 1])!r}, "
                "which is not a number"
            )
        columns[cell] = numbers
    return header, columns


def _read_parquet(path: Path) -> tuple[list[str], dict[str, np.ndarray]]:
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except Exception as error:  # pyarrow raises many kinds
        raise DataError(f"{path}: cannot read as Parquet ({type(error).__name__}: {error})") from None
    header = [str(c) for c in frame.columns]
    columns = {}
    for cell, name in zip(header, frame.columns):
        series = frame[name]
        numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(numbers) & series.notna().to_numpy()
        if bad.any():
            row = int(np.argmax(bad)) + 1
            raise DataError(f"{path}: column {cell!r} row {row} holds {series.iloc[row - 1]!r}, which is not a number")
        columns[cell] = numbers
    return header, columns


def _read_npz(path: Path) -> tuple[list[str], dict[str, np.ndarray]]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except ValueError as error:
        raise DataError(f"{path}: NPZ holds Python objects, which are not loaded for safety ({error})") from None
    except Exception as error:
        raise DataError(f"{path}: cannot read as NPZ ({type(error).__name__})") from None
    columns = {}
    for key, array in arrays.items():
        if array.ndim != 1:
            raise DataError(f"{path}: array {key!r} has shape {array.shape}; a table needs 1-D columns")
        if not np.issubdtype(array.dtype, np.number) and array.dtype != bool:
            raise DataError(f"{path}: array {key!r} has dtype {array.dtype}; columns must be numeric")
        columns[key] = array.astype(float)
    return list(arrays), columns


def read_columns(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Numeric columns of a table file and the units found in its header cells."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a folder; give a CSV, Parquet or NPZ file")
    suffix = path.suffix.lower()
    readers = {".csv": _read_csv, ".parquet": _read_parquet, ".pq": _read_parquet, ".npz": _read_npz}
    if suffix not in readers:
        raise DataError(f"{path}: unknown file type {suffix!r}; valid: {', '.join(TABLE_SUFFIXES)}")
    header, raw = readers[suffix](path)
    names, header_units = [], {}
    for cell in header:
        name, unit = split_header(cell)
        names.append(name)
        if unit is not None:
            header_units[name] = unit
    _check_names(names, str(path))
    columns = {name: raw[cell] for name, cell in zip(names, header)}
    if columns and len(next(iter(columns.values()))) == 0:
        raise DataError(f"{path}: the header has no rows below it; at least {MIN_ROWS} rows are needed")
    return columns, header_units


def check_finite(columns: Mapping[str, np.ndarray], source: str) -> None:
    for name, values in columns.items():
        finite = np.isfinite(values)
        if not finite.all():
            row = int(np.argmax(~finite)) + 1
            what = "NaN" if np.isnan(values[row - 1]) else "infinite"
            raise DataError(f"{source}: column {name!r} row {row} is {what}; every value must be a finite number")


def table_dataset(
    columns: Mapping[str, np.ndarray],
    *,
    target: str,
    units: Mapping[str, str] | None = None,
    inputs: list[str] | None = None,
    source: str = "table",
    name: str | None = None,
) -> Dataset:
    """A validated regression Dataset (inputs -> target) from named columns."""
    units = dict(units or {})
    if target not in columns:
        raise DataError(f"{source}: target column {target!r} is not in the table; columns: {', '.join(columns)}")
    unknown = [c for c in units if c not in columns]
    if unknown:
        raise DataError(f"{source}: unit given for unknown column {unknown[0]!r}; columns: {', '.join(columns)}")
    inputs = list(inputs) if inputs is not None else [c for c in columns if c != target]
    for column in inputs:
        if column not in columns:
            raise DataError(f"{source}: input column {column!r} is not in the table; columns: {', '.join(columns)}")
    if not inputs:
        raise DataError(f"{source}: no input columns besides the target {target!r}")
    used = {c: np.asarray(columns[c], dtype=float) for c in [*inputs, target]}
    n_rows = len(used[target])
    if n_rows < MIN_ROWS:
        raise DataError(f"{source}: {n_rows} rows; at least {MIN_ROWS} rows are needed to find and check a law")
    check_finite(used, source)
    if np.ptp(used[target]) == 0:
        raise DataError(f"{source}: target column {target!r} is constant ({used[target][0]:g}); there is nothing to explain")
    variables = [Variable(c, units.get(c, ""), "input") for c in inputs] + [Variable(target, units.get(target, ""), "target")]
    return Dataset(used, tuple(variables), provenance={"source": source}, name=name or Path(source).stem)


def load_table(
    path: str | Path,
    *,
    target: str | None = None,
    units: Mapping[str, str] | None = None,
    inputs: list[str] | None = None,
) -> Dataset:
    """Load a CSV/Parquet/NPZ table. With ``target`` the result is a validated
    regression dataset; without, every column becomes an input variable."""
    columns, header_units = read_columns(path)
    merged_units = {**header_units, **dict(units or {})}
    if target is not None:
        return table_dataset(columns, target=target, units=merged_units, inputs=inputs, source=str(path))
    unknown = [c for c in merged_units if c not in columns]
    if unknown:
        raise DataError(f"{path}: unit given for unknown column {unknown[0]!r}; columns: {', '.join(columns)}")
    check_finite(columns, str(path))
    variables = tuple(Variable(c, merged_units.get(c, ""), "input") for c in columns)
    return Dataset(columns, variables, provenance={"source": str(path)}, name=Path(path).stem)
