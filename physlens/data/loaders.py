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
from physlens.errors import DataError, UnitError

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
        if not _IDENTIFIER.match(name) or "__" in name:  # the expression parser refuses double underscores
            raise DataError(
                f"{source}: column name {name!r} cannot be used in equations; use letters, digits and _ "
                "(starting with a letter), e.g. 'v_0'"
            )
        seen.add(name)


def _read_clean_csv(path: Path) -> tuple[list[str], dict[str, np.ndarray]] | None:
    """The common case - every cell a finite number - in one pass of pandas' C parser
    (10^7 rows in a few seconds). Anything else returns None, and :func:`_read_csv` reads
    the file cell by cell to name the row and column at fault."""
    import pandas as pd

    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), None)
        frame = pd.read_csv(path, header=0, skipinitialspace=True, keep_default_na=False, encoding="utf-8-sig",
                            index_col=False, skip_blank_lines=True, engine="c")
    except Exception:  # whatever went wrong, the careful reader reports it
        return None
    if not header or frame.shape != (frame.shape[0], len(header)) or frame.empty:
        return None
    columns = {}
    for position, cell in enumerate(header):
        values = frame.iloc[:, position]
        if values.dtype.kind not in "iuf":  # text, booleans (pandas reads TRUE as 1), mixed
            return None
        numbers = values.to_numpy(dtype=float)
        if not np.isfinite(numbers).all():
            return None
        columns[cell] = numbers
    return header, columns


def _read_csv(path: Path) -> tuple[list[str], dict[str, np.ndarray]]:
    import pandas as pd

    clean = _read_clean_csv(path)
    if clean is not None:
        return clean
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


def read_arrays(path: str | Path) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` archive; Python objects are refused (they would be
    unpickled, which runs code), and any unreadable file raises :class:`DataError`."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file (it does not exist)" if not path.exists() else f"{path}: is a folder; give an .npz file")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files} if hasattr(archive, "files") else None
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise DataError(f"{path}: the .npz holds Python objects, which are not loaded for safety; save numeric arrays") from None
        raise DataError(f"{path}: not a readable .npz file ({error})") from None
    except Exception as error:  # zipfile, zlib, EOFError, OSError...: all mean a broken or foreign file
        raise DataError(f"{path}: not a readable .npz file ({type(error).__name__}: {error})") from None
    if arrays is None:
        raise DataError(f"{path}: holds a single array, not an .npz archive of named arrays (save with numpy.savez)")
    return arrays


def _read_npz(path: Path) -> tuple[list[str], dict[str, np.ndarray]]:
    arrays = read_arrays(path)
    columns = {}
    for key, array in arrays.items():
        if array.ndim != 1:
            raise DataError(f"{path}: array {key!r} has shape {array.shape}; a table needs 1-D columns")
        if array.dtype.kind not in "biuf":  # complex, text, dates, records: not a column of real numbers
            raise DataError(f"{path}: array {key!r} has dtype {array.dtype}; columns must hold real numbers (int or float)")
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
    try:
        header, raw = readers[suffix](path)
    except OSError as error:  # unreadable: permissions, a vanished network file...
        raise DataError(f"{path}: cannot read the file ({error.strerror or error})") from None
    if not header:
        raise DataError(f"{path}: holds no columns; expected named numeric columns, one value per row")
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


def used_columns(columns: Mapping[str, np.ndarray], inputs: list[str], key: str, *, role: str, source: str,
                 purpose: str) -> dict[str, np.ndarray]:
    """The ``inputs`` and the ``key`` column (the target, or the event id) of a table as
    finite float arrays, with at least MIN_ROWS rows; errors name the column and what
    would be valid. ``purpose`` ends the too-few-rows message ("a law", "an invariant")."""
    for column in inputs:
        if column not in columns:
            raise DataError(f"{source}: input column {column!r} is not in the table; columns: {', '.join(columns)}")
    if key in inputs:
        raise DataError(f"{source}: the {role} column {key!r} cannot also be an input")
    if not inputs:
        raise DataError(f"{source}: no input columns besides the {role} {key!r}")
    used = {c: np.asarray(columns[c], dtype=float) for c in [*inputs, key]}
    n_rows = len(used[key])
    if n_rows < MIN_ROWS:
        raise DataError(f"{source}: {n_rows} row{'' if n_rows == 1 else 's'}; at least {MIN_ROWS} rows are needed to find and check {purpose}")
    check_finite(used, source)
    return used


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
    used = used_columns(columns, inputs, target, role="target", source=source, purpose="a law")
    if np.ptp(used[target]) == 0:
        raise DataError(f"{source}: target column {target!r} is constant ({used[target][0]:g}); there is nothing to explain")
    variables = [Variable(c, units.get(c, ""), "input") for c in inputs] + [Variable(target, units.get(target, ""), "target")]
    return Dataset(used, tuple(variables), provenance={"source": source}, name=name or Path(source).stem)


def merge_units(header_units: Mapping[str, str], given: Mapping[str, str], source: str) -> dict[str, str]:
    """Units from header cells (``x [m]``) and from options (``--unit x=m``) together;
    a column given two different units is an error rather than a silent override."""
    from physlens.units import parse_unit_with_factor

    merged = dict(header_units)
    for column, unit in given.items():
        in_header = header_units.get(column)
        if in_header is not None and in_header.strip() != unit.strip():
            if parse_unit_with_factor(in_header, column=column) != parse_unit_with_factor(unit, column=column):
                raise UnitError(
                    f"{source}: column {column!r} has unit {in_header!r} in the header but {unit!r} from --unit; "
                    "give one unit (drop the option or fix the header)"
                )
        merged[column] = unit
    return merged


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
    merged_units = merge_units(header_units, dict(units or {}), str(path))
    if target is not None:
        return table_dataset(columns, target=target, units=merged_units, inputs=inputs, source=str(path))
    unknown = [c for c in merged_units if c not in columns]
    if unknown:
        raise DataError(f"{path}: unit given for unknown column {unknown[0]!r}; columns: {', '.join(columns)}")
    check_finite(columns, str(path))
    variables = tuple(Variable(c, merged_units.get(c, ""), "input") for c in columns)
    return Dataset(columns, variables, provenance={"source": str(path)}, name=Path(path).stem)
