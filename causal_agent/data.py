"""Loading tables and handing numeric views of them to the causal tools.

``load_dataset`` reads CSV/TSV (delimiter and header row detected), Parquet, or a DataFrame, and
returns a ``Dataset``: the frame as loaded, its profile (``causal_agent.profile``), a content
fingerprint that graph memory compares to know when data changed, and name resolution that accepts
the names people actually type (``causal_agent.names``). Every bad input raises a one-line
``DataError`` naming the problem and the fix.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import stat
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DataError, VariableError, closest
from .names import VariableMatch, match_name, normalize, sanitize_name
from .profile import ColumnKind, ColumnProfile, DataProfile, profile_frame, text_levels

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = [
    "ColumnKind", "ColumnProfile", "DataProfile", "Dataset", "VariableMatch", "load_dataset",
    "MIN_ROWS", "DELIMITERS",
]

MIN_ROWS = 10
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
_DELIM_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
_TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".tab", ".txt", ".dat", ""})
_PARQUET_SUFFIXES = frozenset({".parquet", ".pq"})
_DATA_SUFFIXES = _TEXT_SUFFIXES | _PARQUET_SUFFIXES | {".gz"}
_NA_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "#n/a", "<na>", "-nan"})
_EXTRA_NA = ("?",)
_SAMPLE_LINES = 50
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d+,\d+\s*$")
_DECIMAL_POINT = re.compile(r"^\s*[+-]?\d*\.\d+\s*$")


class Dataset:
    """A loaded table with its profile, fingerprint and name resolution.

    ``frame`` is the table as loaded; ``matrix``/``frame_for`` give the numeric, NaN-free views the
    causal tools need (text categories become integer codes, see ``encoding``).
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        name: str = "data",
        path: str | None = None,
        notes: Sequence[str] | None = None,
        include: Sequence[str] = (),
    ) -> None:
        import pandas as pd

        frame, cell_notes = read_mostly_numeric(frame)
        self.frame = frame
        self.name = sanitize_name(name)
        self.path = path
        included = _included(frame, include, self.name)
        self.profile: DataProfile = profile_frame(frame, list(notes or []), cell_notes, included)
        for col in self.profile.columns:
            if col.name in included and col.excluded:
                raise DataError(f"column {col.name!r} of dataset {self.name} cannot be analysed even"
                                f" with --include: {col.reason}")
        self.fingerprint: str = self.profile.fingerprint
        #: the same without column names: one file loaded under other names shares it
        self.content_fingerprint: str = self.profile.content_fingerprint
        self.variables: list[str] = self.profile.variables
        self._columns: dict[str, ColumnProfile] = {c.name: c for c in self.profile.columns}
        self._codes: dict[str, dict[str, int]] = {
            c: {level: i for i, level in enumerate(text_levels(frame[c]))}
            for c in frame.columns
            if not pd.api.types.is_numeric_dtype(frame[c])
        }

    def __repr__(self) -> str:
        rows, cols = self.frame.shape
        return f"Dataset({self.name!r}, rows={rows}, columns={cols})"

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    @property
    def columns(self) -> list[str]:
        """Every column, including the ones left out of analysis."""
        return list(self.frame.columns)

    # ---- names -----------------------------------------------------------------------------
    def match(self, name: str) -> VariableMatch:
        """Read a user's variable name; raises for unknown, ambiguous or excluded columns."""
        found = self._match_any(name)
        col = self._columns[found.name]
        if col.excluded:
            self._raise_excluded(col)
        return found

    def resolve(self, name: str) -> str:
        """The column a user's name refers to (case/space/underscore/hyphen-insensitive, typos)."""
        return self.match(name).name

    def resolve_many(self, names: str | Iterable[str]) -> list[str]:
        """``resolve`` for each name, in order; a single string is one name."""
        if isinstance(names, str):
            names = [names]
        return [self.resolve(n) for n in names]

    def kind(self, var: str) -> ColumnKind:
        """The profiled kind of a column (identifiers included)."""
        return self._columns[self._match_any(var).name].kind

    def is_discrete(self, vars: str | Iterable[str]) -> bool:
        """True when every variable is binary, discrete or categorical (so chi-square/G² apply)."""
        cols = self.resolve_many(vars)
        return bool(cols) and all(
            self._columns[c].kind in ("binary", "discrete", "categorical") for c in cols
        )

    def is_nominal(self, var: str) -> bool:
        """True for text with more than two levels and no order the data show (fruit names): its
        integer codes are arbitrary, so no test or estimate may read them as numbers."""
        col = self._columns[self._match_any(var).name]
        return col.kind == "categorical" and col.ordered is False

    def encoding(self, var: str) -> dict[str, int] | None:
        """The integer code of each level of a text column (None for numeric columns)."""
        col = self._match_any(var).name
        codes = self._codes.get(col)
        return dict(codes) if codes is not None else None

    # ---- numeric views ---------------------------------------------------------------------
    def frame_for(self, vars: str | Iterable[str] | None = None) -> pd.DataFrame:
        """Numeric DataFrame over ``vars`` (default: all variables) for DoWhy and friends.

        Text becomes integer codes, rows with a missing value in ``vars`` are dropped (their count
        is in ``.attrs["dropped_rows"]``), integer-valued kinds stay ``int64``. Raises ``DataError``
        for an all-missing or constant column or fewer than ``MIN_ROWS`` usable rows.
        """
        import numpy as np
        import pandas as pd

        cols = list(self.variables) if vars is None else self.resolve_many(vars)
        if not cols:
            raise VariableError(f"no variables given for dataset {self.name}; name at least one")
        repeated = [c for c, k in Counter(cols).items() if k > 1]
        if repeated:
            raise VariableError(
                f"variable {repeated[0]!r} is given more than once; name each variable once"
            )
        data: dict[str, np.ndarray] = {}
        for c in cols:
            values = self._numeric(c)
            if np.isnan(values).all():
                raise DataError(f"column {c!r} in dataset {self.name} has no values (all missing)")
            check_scale(c, values)
            data[c] = values
        out = pd.DataFrame(data)
        before = len(out)
        out = out.dropna().reset_index(drop=True)
        dropped = before - len(out)
        if len(out) < MIN_ROWS:
            extra = f" after dropping {dropped} row(s) with missing values" if dropped else ""
            raise DataError(
                f"only {len(out)} usable row(s) for {', '.join(cols)} in dataset {self.name}{extra};"
                f" at least {MIN_ROWS} are needed"
            )
        for c in cols:
            if out[c].nunique() < 2:
                where = f" in the {len(out)} rows without missing values" if dropped else ""
                raise DataError(
                    f"column {c!r} is constant{where} (every value is {out[c].iloc[0]:g});"
                    " a constant cannot be tested, leave it out"
                )
            if self._columns[c].kind != "continuous":
                col = out[c].to_numpy()
                if np.all(col == np.round(col)):
                    out[c] = col.astype("int64")
        out.attrs["dropped_rows"] = dropped
        return out

    def matrix(self, vars: str | Iterable[str] | None = None) -> np.ndarray:
        """Float array (n, p) of ``vars`` with the same encoding and checks as ``frame_for``."""
        return self.frame_for(vars).to_numpy(dtype=float)

    # ---- internals -------------------------------------------------------------------------
    def _match_any(self, name: str) -> VariableMatch:
        return match_name(name, self.columns, dataset=self.name, suggest_from=self.variables)

    def _raise_excluded(self, col: ColumnProfile) -> None:
        if col.kind == "identifier":
            raise VariableError(
                f"{col.name!r} in dataset {self.name} is left out of analysis as an {col.reason};"
                f" choose one of: {', '.join(self.variables)}"
            )
        raise DataError(
            f"column {col.name!r} of dataset {self.name} is left out of analysis: {col.reason};"
            " leave it out of the question"
        )

    def _numeric(self, col: str) -> np.ndarray:
        import numpy as np
        import pandas as pd

        series = self.frame[col]
        codes = self._codes.get(col)
        if codes is not None:
            mapped = series.map(lambda v: None if pd.isna(v) else codes.get(str(v)))
            values = mapped.to_numpy(dtype=float, na_value=np.nan)
        else:
            values = series.to_numpy(dtype=float, na_value=np.nan)
        values = values.copy()
        values[~np.isfinite(values)] = np.nan
        return values


#: beyond these magnitudes sums of squares overflow (or underflow) double precision, and every
#: correlation, kernel or regression comes out NaN or wrong: refuse and ask for a rescale
MAX_ABS_VALUE = 1e100
MIN_ABS_SPREAD = 1e-100
#: a text column reads as numeric, its other cells as missing, when at least this share of its
#: non-missing cells are numbers
NUMERIC_SHARE = 0.95


def check_scale(col: str, values: np.ndarray) -> None:
    """DataError when the finite values of ``col`` are too large or too tightly spread to compute
    with (a NaN statistic must never become a verdict)."""
    import numpy as np

    finite = values[np.isfinite(values)]
    if not finite.size:
        return
    top = float(np.max(np.abs(finite)))
    if top > MAX_ABS_VALUE:
        raise DataError(
            f"the values of {col} are too large to analyse (up to {top:.0e}): their squares overflow"
            f" double precision; rescale them (e.g. divide {col} by {10 ** int(np.floor(np.log10(top))):.0e})"
        )
    spread = float(np.ptp(finite))
    if 0 < spread < MIN_ABS_SPREAD:
        raise DataError(
            f"the values of {col} differ by at most {spread:.0e}, too little to analyse in double"
            f" precision; rescale them (e.g. subtract their mean and multiply by"
            f" {10.0 ** -int(np.floor(np.log10(spread))):.0e})"
        )


def read_mostly_numeric(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Text columns whose non-missing cells are at least ``NUMERIC_SHARE`` numbers, read as
    numbers with the other cells missing ("oops", "n/a", "?"), and a note per column naming how
    many cells and which values. Without this, a few stray words turn a measurement into a
    categorical coded in string order."""
    import pandas as pd

    notes: dict[str, str] = {}
    out = frame
    for col in frame.columns:
        series = frame[col]
        if series.dtype != object and not pd.api.types.is_string_dtype(series.dtype):
            continue
        if isinstance(series.dtype, pd.CategoricalDtype):
            continue
        present = series.dropna()
        if present.empty or present.map(lambda v: isinstance(v, bool)).any():
            continue
        stripped = present.map(lambda v: v.strip() if isinstance(v, str) else v)
        parsed = pd.to_numeric(stripped, errors="coerce")
        bad = parsed.isna()
        n_bad, n_good = int(bad.sum()), int((~bad).sum())
        if not n_bad or n_good < MIN_ROWS or n_good < NUMERIC_SHARE * len(present):
            continue
        if out is frame:
            out = frame.copy()
        out[col] = pd.to_numeric(series.map(lambda v: v.strip() if isinstance(v, str) else v),
                                 errors="coerce").astype(float)
        shown = list(dict.fromkeys(str(v) for v in present[bad]))
        listed = ", ".join(repr(v) for v in shown[:5]) + (", ..." if len(shown) > 5 else "")
        notes[str(col)] = (
            f"{col}: {n_bad} cell{'s' if n_bad != 1 else ''} that {'are' if n_bad != 1 else 'is'}"
            f" not {'numbers' if n_bad != 1 else 'a number'} ({listed}) read as missing"
        )
    return out, notes


def _included(frame: pd.DataFrame, include: Sequence[str], dataset: str) -> list[str]:
    """The columns ``include`` names (case/space-insensitive, typos suggested)."""
    if isinstance(include, str):
        include = [include]
    return [match_name(name, [str(c) for c in frame.columns], dataset=dataset).name for name in include]


# ---- loading -------------------------------------------------------------------------------
def load_dataset(
    source: str | Path | pd.DataFrame,
    name: str | None = None,
    columns: list[str] | None = None,
    header: bool | None = None,
    *,
    include: Sequence[str] | None = None,
    max_bytes: int | None = None,
    include_if_present: bool = False,
) -> Dataset:
    """Load a CSV/TSV/Parquet file or a DataFrame as a ``Dataset``.

    ``columns`` names the columns of a headerless file (or renames a header); ``header`` overrides
    header detection. ``name`` defaults to the file stem and is sanitised to ``[a-z0-9_]``.
    ``include`` names columns the profiler would leave out (ID-like) to analyse anyway; an unknown
    name is an error unless ``include_if_present`` (a setting that covers several files).
    Only regular local files up to ``max_bytes`` are read (default ``max_file_bytes()``): a FIFO
    or a device would block or never end, a URL is not a path.
    """
    import pandas as pd

    if isinstance(columns, str):  # "a,b,c" as typed on a command line
        columns = [c.strip() for c in columns.split(",")]
    if isinstance(include, str):
        include = [include]

    def wanted(frame: pd.DataFrame) -> list[str]:
        if not include_if_present:
            return list(include or [])
        known = {normalize(str(c)) for c in frame.columns}
        return [c for c in include or [] if normalize(c) in known]

    if isinstance(source, pd.DataFrame):
        frame, notes = _finish(source.copy(), "the DataFrame", columns, [])
        return Dataset(frame, name=name or "data", path=None, notes=notes, include=wanted(frame))
    if not isinstance(source, (str, Path)):
        raise DataError(
            f"cannot load a {type(source).__name__}; give a file path or a pandas DataFrame"
        )
    path = _local_path(source)
    limit = max_file_bytes(max_bytes)
    suffix = _check_path(path, limit)
    if suffix in _PARQUET_SUFFIXES:
        frame, notes = _read_parquet(path, columns)
    else:
        frame, notes = _read_text_table(path, columns, header, limit)
    stem = path.name
    for s in reversed(path.suffixes[-2:]):
        if stem.lower().endswith(s.lower()) and s.lower() in _DATA_SUFFIXES:
            stem = stem[: -len(s)]
    return Dataset(frame, name=name or stem or "data", path=str(path), notes=notes,
                   include=wanted(frame))


def _data_files(folder: Path) -> list[str]:
    try:
        return sorted(p.name for p in folder.iterdir() if p.is_file())
    except OSError:
        return []


#: the largest data file read unless raised (``--max-file-size``, ``CAUSAL_AGENT_MAX_FILE_BYTES``)
DEFAULT_MAX_FILE_BYTES = 1 << 30
MAX_FILE_ENV = "CAUSAL_AGENT_MAX_FILE_BYTES"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_OTHER_FORMATS = {
    ".json": "JSON", ".jsonl": "JSON lines", ".ndjson": "JSON lines", ".xlsx": "an Excel workbook",
    ".xls": "an Excel workbook", ".xlsm": "an Excel workbook", ".ods": "a spreadsheet",
    ".feather": "Feather", ".arrow": "Arrow", ".h5": "HDF5", ".hdf5": "HDF5", ".sav": "SPSS",
    ".dta": "Stata", ".sas7bdat": "SAS", ".rds": "R data", ".rdata": "R data", ".pkl": "a pickle",
    ".pickle": "a pickle", ".xml": "XML", ".html": "HTML", ".sqlite": "SQLite", ".db": "a database",
    ".zip": "a zip archive",
}
_READERS = {"JSON": "read_json", "JSON lines": "read_json", "an Excel workbook": "read_excel",
            "Feather": "read_feather", "Stata": "read_stata", "SPSS": "read_spss", "SAS": "read_sas"}
SUPPORTED = "CSV, TSV, TXT and Parquet"


def parse_size(text: str | int) -> int:
    """Bytes of a size such as ``1073741824``, ``500M``, ``4G``, ``2GiB`` (K/M/G/T are powers of
    1024). ValueError with the expected form otherwise."""
    if isinstance(text, int):
        value, unit = float(text), ""
    else:
        m = _SIZE.match(str(text))
        if not m:
            raise ValueError("give a size such as 500M, 4G or a number of bytes")
        value, unit = float(m.group(1)), m.group(2).lower()
    size = int(value * 1024 ** " kmgt".index(unit or " "))
    if size < 1:
        raise ValueError("the size must be at least 1 byte")
    return size


def max_file_bytes(explicit: int | None = None) -> int:
    """The size cap: ``explicit``, else ``CAUSAL_AGENT_MAX_FILE_BYTES``, else 1 GiB."""
    if explicit is not None:
        return int(explicit)
    raw = os.environ.get(MAX_FILE_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_FILE_BYTES
    try:
        return parse_size(raw)
    except ValueError as exc:
        raise DataError(f"{MAX_FILE_ENV}={raw!r}: {exc}") from None


def _human(size: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"  # pragma: no cover


def _local_path(source: str | Path) -> Path:
    """The local path of ``source``; a URL (``https://``, ``s3://``, …) is refused in one line,
    ``file://`` read as the path it names."""
    text = str(source)
    if isinstance(source, str) and _URL.match(text.strip()):
        if text.strip().lower().startswith("file://"):
            from urllib.parse import unquote, urlparse

            return Path(unquote(urlparse(text.strip()).path))
        raise DataError(
            f"causal-agent reads local files only, not {text.strip()}: download it first"
            f" (e.g. curl -O {text.strip()}) and pass the file"
        )
    return Path(source).expanduser()


def _special_kind(mode: int) -> str | None:
    """What a non-regular file is (None: a regular file)."""
    for test, what in ((stat.S_ISREG, None), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return what
    return "not a regular file"


def _other_format(path: Path, suffix: str) -> DataError:
    """The one-line error for a file type causal-agent does not read: what it is, what is read,
    and how to convert it."""
    what = _OTHER_FORMATS.get(suffix)
    if what is None:
        return DataError(f"unsupported file type {suffix!r} for {path.name}; causal-agent reads"
                         f" {SUPPORTED} files (save spreadsheets as CSV)")
    reader = _READERS.get(what)
    lines = ", lines=True" if what == "JSON lines" else ""
    target = f"{path.stem}.csv" if f"{path.stem}.csv" != path.name else f"{path.stem}-table.csv"
    how = (f": convert it, e.g. python -c \"import pandas as pd; pd.{reader}('{path.name}'{lines})"
           f".to_csv('{target}', index=False)\"" if reader else ": export it as CSV first")
    if what == "an Excel workbook":
        how = f"; save it as CSV (File > Save As > CSV){how.replace(': convert it', ' or convert it')}"
    return DataError(f"{path.name} is {what}; causal-agent reads {SUPPORTED} files{how}")


def _check_path(path: Path, max_bytes: int | None = None) -> str:
    """Validate the path; return the effective (lowercase) suffix, looking through ``.gz``.
    Only a regular file no larger than ``max_bytes`` passes: ``stat`` never blocks, opening a FIFO
    would, and reading ``/dev/zero`` never ends."""
    if path.is_dir():
        inside = [f for f in _data_files(path) if Path(f).suffix.lower() in _DATA_SUFFIXES - {""}]
        hint = f" (it holds {', '.join(inside[:5])})" if inside else ""
        raise DataError(f"{path} is a directory, not a data file; give a CSV, TSV or Parquet file{hint}")
    if not path.exists():
        folder = path.parent
        if not folder.is_dir():
            raise DataError(f"file not found: {path} (the folder {folder} does not exist)")
        near = closest(path.name, _data_files(folder))
        hint = (" Did you mean " + " or ".join(repr(n) for n in near) + "?") if near else ""
        raise DataError(f"file not found: {path}.{hint}")
    try:
        info = path.stat()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from exc
    special = _special_kind(info.st_mode)
    if special is not None:
        raise DataError(f"{path} is {special}, not a data file; causal-agent reads regular files"
                        f" only ({SUPPORTED}): save the data to a file first")
    limit = max_file_bytes(max_bytes)
    if info.st_size > limit:
        raise DataError(
            f"{path.name} is {_human(info.st_size)}, over the {_human(limit)} limit on data files;"
            f" raise it with --max-file-size {parse_size_hint(info.st_size)} (or {MAX_FILE_ENV}),"
            " or load a sample of the rows"
        )
    suffixes = [s.lower() for s in path.suffixes]
    suffix = suffixes[-1] if suffixes else ""
    if suffix == ".gz":
        suffix = suffixes[-2] if len(suffixes) > 1 else ""
    if suffix not in _TEXT_SUFFIXES | _PARQUET_SUFFIXES:
        raise _other_format(path, suffix)
    return suffix


def parse_size_hint(size: int) -> str:
    """A ``--max-file-size`` value just above ``size`` bytes, in whole GiB or MiB."""
    gib = -(-size // (1 << 30))
    return f"{gib}G" if size > (1 << 30) else f"{-(-size // (1 << 20))}M"


def _read_parquet(path: Path, columns: list[str] | None) -> tuple[pd.DataFrame, list[str]]:
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except ImportError as exc:
        raise DataError(f"reading Parquet ({path.name}) needs pyarrow: pip install pyarrow") from exc
    except Exception as exc:  # pyarrow raises its own ArrowInvalid/OSError family
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"cannot read {path} as Parquet: {first}") from exc
    return _finish(frame, path.name, columns, [])


def _decode(path: Path, max_bytes: int | None = None) -> tuple[str, list[str]]:
    """The file's text; DataError for unreadable, empty, binary, JSON or undecodable files.
    At most ``max_bytes`` are read, decompressed ones included (a file that grows, a gzip bomb)."""
    limit = max_file_bytes(max_bytes)
    gz = path.suffix.lower() == ".gz"
    try:
        with (gzip.open(path, "rb") if gz else path.open("rb")) as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        if gz and not isinstance(exc, (FileNotFoundError, PermissionError)):
            raise DataError(f"cannot decompress {path}: not a valid gzip file") from exc
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except EOFError as exc:
        raise DataError(f"cannot decompress {path}: not a valid gzip file") from exc
    if len(raw) > limit:
        raise DataError(
            f"{path.name} holds more than {_human(limit)}{' decompressed' if gz else ''}, over the"
            f" limit on data files; raise it with --max-file-size (or {MAX_FILE_ENV})"
        )
    if not raw.strip():
        raise DataError(f"{path} is empty; it needs a header row and data rows")
    json_kind = _json_kind(raw)
    if json_kind is not None:
        raise _other_format(path, json_kind)
    for bom, codec in ((b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(codec), [f"decoded {path.name} as UTF-16."]
            except UnicodeDecodeError as exc:
                raise DataError(f"cannot decode {path}: broken UTF-16 text") from exc
    head = raw[:8192]
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in head or controls > len(head) * 0.05:
        raise _binary_error(path, head)
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as utf8_error:
        try:
            return raw.decode("cp1252"), [f"{path.name} is not UTF-8; decoded it as Windows-1252."]
        except UnicodeDecodeError:
            raise DataError(
                f"cannot decode {path}: not UTF-8 text (bad byte at position {utf8_error.start});"
                " re-save it as UTF-8 CSV"
            ) from utf8_error


def _json_kind(raw: bytes) -> str | None:
    """".json" / ".jsonl" when the bytes are a JSON document or JSON lines, else None."""
    import json

    body = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    if body[:1] not in (b"{", b"["):
        return None
    try:
        json.loads(body)
        return ".json"
    except ValueError:
        pass
    first = body.split(b"\n", 1)[0]
    try:
        return ".jsonl" if isinstance(json.loads(first), dict) else None
    except ValueError:
        return None


#: leading bytes of binary formats people pass by mistake, and the suffix they usually have
_MAGIC = ((b"PK\x03\x04", ".xlsx"), (b"\xd0\xcf\x11\xe0", ".xls"), (b"SQLite format 3", ".sqlite"),
          (b"\x1f\x8b", ".gz"), (b"PAR1", ".parquet"))


def _binary_error(path: Path, head: bytes) -> DataError:
    """The one-line error for a binary file read as text, naming the format when its leading
    bytes say it."""
    for magic, suffix in _MAGIC:
        if head.startswith(magic):
            if suffix == ".gz":
                return DataError(f"{path.name} is gzip-compressed; name it {path.name}.gz (or"
                                 " gunzip it) so it is decompressed")
            if suffix == ".parquet":
                return DataError(f"{path.name} is a Parquet file; name it {path.stem}.parquet")
            return _other_format(path, suffix)
    return DataError(f"{path} looks like a binary file, not delimited text; causal-agent reads"
                     f" {SUPPORTED} files")


def _split(lines: list[str], delimiter: str) -> list[list[str]]:
    return [
        [f.strip() for f in row]
        for row in csv.reader(lines, delimiter=delimiter, skipinitialspace=True)
    ]


def _sniff(lines: list[str], path: Path) -> str:
    """Pick the delimiter that splits the sample lines into the same number (> 1) of fields."""
    scored: list[tuple[bool, float, int, str]] = []
    for d in DELIMITERS:
        counts = [len(r) for r in _split(lines, d)]
        mode, freq = Counter(counts).most_common(1)[0]
        if mode > 1:
            scored.append((freq == len(counts), freq / len(counts), mode, d))
    if not scored:
        tried = ", ".join(_DELIM_NAMES[d] for d in DELIMITERS)
        raise DataError(
            f"{path} has a single column (tried delimiters {tried}); causal analysis needs at least"
            " two columns, check the file's delimiter"
        )
    consistent = [s for s in scored if s[0]]
    if len(consistent) > 1 and any(s[3] == ";" for s in consistent):
        # "1,5;2,3": commas inside semicolon-separated fields are decimal marks.
        fields = [f for row in _split(lines, ";") for f in row]
        if any(_DECIMAL_COMMA.match(f) for f in fields):
            return ";"
    best = max(scored, key=lambda s: (s[0], s[1], s[2]))
    return best[3]


def _is_number(text: str, decimal: str) -> bool:
    t = text.strip()
    if decimal == ",":
        t = t.replace(",", ".")
    return bool(_NUMBER.match(t)) or t.lower() in ("inf", "-inf", "+inf")


def _is_missing(text: str) -> bool:
    return text.strip().lower() in _NA_TOKENS


def _looks_headerless(rows: list[list[str]], decimal: str) -> bool:
    """True when the first row reads as data: numbers over numeric columns, or repeated levels."""
    first, rest = rows[0], rows[1:]
    seen_value = False
    for j, value in enumerate(first):
        if _is_missing(value):
            continue
        seen_value = True
        column = [r[j] for r in rest if j < len(r) and not _is_missing(r[j])]
        if _is_number(value, decimal):
            if column and sum(_is_number(v, decimal) for v in column) < len(column) / 2:
                return False  # a number heading a text column is a column name
        elif value not in column:
            return False  # a text cell never repeated below is a column name
    return seen_value


def _read_text_table(
    path: Path, columns: list[str] | None, header: bool | None, max_bytes: int | None = None
) -> tuple[pd.DataFrame, list[str]]:
    import pandas as pd

    text, notes = _decode(path, max_bytes)
    lines = [ln for ln in text.splitlines() if ln.strip()][:_SAMPLE_LINES]
    delimiter = _sniff(lines, path)
    rows = _split(lines, delimiter)
    fields = [f for row in rows for f in row]
    decimal = "."
    if delimiter == ";" and any(_DECIMAL_COMMA.match(f) for f in fields) and not any(
        _DECIMAL_POINT.match(f) for f in fields
    ):
        decimal = ","
        notes.append(f"{path.name} uses decimal commas.")

    if header is None:
        has_header = not _looks_headerless(rows, decimal)
        if has_header and columns is not None:
            given = [normalize(c) for c in columns]
            if given != [normalize(c) for c in rows[0]]:
                notes.append(
                    f"the header row of {path.name} ({', '.join(rows[0])}) was replaced by columns=."
                )
    else:
        has_header = bool(header)
    if has_header and len(rows) == 1:
        raise DataError(f"{path} has a header row but no data rows")

    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=0 if has_header else None,
            decimal=decimal,
            skipinitialspace=True,
            na_values=list(_EXTRA_NA),
        )
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{path} is empty; it needs a header row and data rows") from exc
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise DataError(
            f"cannot parse {path} as {_DELIM_NAMES[delimiter]}-separated text: {first};"
            " every row needs the same number of fields"
        ) from exc
    if has_header and len(frame) == 0:
        raise DataError(f"{path} has a header row but no data rows")
    if has_header and len(rows[0]) == frame.shape[1]:
        from .names import line_break_notes

        notes.extend(line_break_notes(list(frame.columns), rows[0]))  # pandas kept the breaks
        frame.columns = rows[0]  # pandas would silently rename duplicates to "a.1"
    if delimiter != ",":
        notes.insert(0, f"{path.name} is {_DELIM_NAMES[delimiter]}-separated.")
    if not has_header and columns is None:
        frame.columns = [f"X{i + 1}" for i in range(frame.shape[1])]
        notes.append(
            f"{path.name} has no header row; columns are named X1..X{frame.shape[1]}"
            " (pass columns=[...] to name them)."
        )
    elif not has_header:
        notes.append(f"{path.name} has no header row; columns are named by columns=.")
    return _finish(frame, path.name, columns, notes)


def _finish(
    frame: pd.DataFrame, label: str, columns: list[str] | None, notes: list[str]
) -> tuple[pd.DataFrame, list[str]]:
    """Shared checks and clean-up for every source: names, columns=, duplicates, shape."""
    import pandas as pd

    if isinstance(frame.columns, pd.MultiIndex):
        frame.columns = ["_".join(str(p) for p in parts if str(p)) for parts in frame.columns]
    names = [str(c).strip() for c in frame.columns]
    blank = [i for i, n in enumerate(names) if not n or n.startswith("Unnamed: ")]
    for i in blank:
        names[i] = f"unnamed_{i + 1}"
    frame.columns = names
    empty_blank = [names[i] for i in blank if frame[names[i]].isna().all()]
    if empty_blank:
        frame = frame.drop(columns=empty_blank)
        notes.append(f"dropped {len(empty_blank)} empty unnamed column(s) (a trailing delimiter?).")

    if columns is not None:
        given = [str(c).strip() for c in columns]
        if any(not c for c in given):
            raise DataError("columns= contains an empty name; give every column a name")
        if len(given) != frame.shape[1]:
            raise DataError(
                f"columns= gives {len(given)} name(s) but {label} has {frame.shape[1]} columns;"
                f" pass {frame.shape[1]} names"
            )
        frame.columns = given

    dupes = [n for n, k in Counter(frame.columns).items() if k > 1]
    if dupes:
        raise DataError(
            f"duplicate column name(s) {', '.join(repr(d) for d in dupes)} in {label};"
            " rename them so every column is unique"
        )
    for col in frame.columns:
        if frame[col].dtype == object:
            odd = frame[col].map(lambda v: isinstance(v, (list, dict, set, tuple))).to_numpy()
            if odd.any():
                kind = type(frame[col][odd].iloc[0]).__name__
                raise DataError(
                    f"column {col!r} of {label} holds {kind} values; give one number or label per cell"
                )
    if frame.shape[1] == 0:
        raise DataError(f"{label} has no columns")
    if len(frame) == 0:
        raise DataError(f"{label} has no data rows")
    if frame.shape[1] == 1:
        tried = ", ".join(_DELIM_NAMES[d] for d in DELIMITERS)
        raise DataError(
            f"{label} has a single column {frame.columns[0]!r}; causal analysis needs at least two"
            f" (for a text file: tried delimiters {tried})"
        )
    if len(frame) < MIN_ROWS:
        raise DataError(
            f"{label} has only {len(frame)} data rows; causal analysis needs at least {MIN_ROWS}"
        )
    return frame.reset_index(drop=True), notes
