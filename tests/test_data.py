"""Data layer: loading, profiling, fingerprints, name resolution, numeric views and bad input."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PUBLISHED_FIXTURE

from causal_agent.data import Dataset, load_dataset
from causal_agent.errors import CausalAgentError, DataError, VariableError
from causal_agent.names import edit_distance, normalize, sanitize_name
from causal_agent.profile import is_identifier_name

FIXTURE = PUBLISHED_FIXTURE / "data" / "4_3_0.csv"
FIXTURE_COLUMNS = ["Diet Quality", "Genetic Risk", "Cholesterol Level", "Heart Disease"]


def clinic_frame(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    smoking = rng.integers(0, 2, n)
    tar = 2.0 * smoking + rng.normal(size=n)
    cancer = (tar + rng.normal(size=n) > 1).astype(int)
    return pd.DataFrame(
        {
            "patient_id": np.arange(1000, 1000 + n),
            "Smoking": smoking,
            "Tar Deposits": tar,
            "Lung_Cancer": cancer,
            "Exercise": rng.choice(["low", "medium", "high"], n),
            "Visits": rng.integers(0, 6, n),
        }
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---- loading ---------------------------------------------------------------------------------
def test_semicolon_csv_with_id_column(tmp_path: Path) -> None:
    path = tmp_path / "Clinic Data.csv"
    clinic_frame().to_csv(path, sep=";", index=False)
    ds = load_dataset(path)
    assert ds.name == "clinic_data"
    assert ds.path == str(path)
    assert list(ds.frame.columns)[:3] == ["patient_id", "Smoking", "Tar Deposits"]
    assert ds.frame.shape == (200, 6)
    assert ds.profile.excluded == ["patient_id"]
    assert "patient_id" not in ds.variables
    assert ds.kind("patient_id") == "identifier"
    assert any("patient_id" in n and "identifier" in n for n in ds.profile.notes)
    assert any("';'-separated" in n for n in ds.profile.notes)
    with pytest.raises(VariableError, match="identifier column"):
        ds.resolve("patient id")


def test_headerless_csv_with_columns(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    path = tmp_path / "nohead.csv"
    pd.DataFrame(rng.normal(size=(50, 3))).to_csv(path, header=False, index=False)
    ds = load_dataset(path, columns=["a", "b c", "d"])
    assert ds.columns == ["a", "b c", "d"]
    assert len(ds.frame) == 50  # the first row is data, not a header
    assert ds.resolve("B_C") == "b c"


def test_headerless_without_columns_gets_x_names(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    path = tmp_path / "plain.csv"
    pd.DataFrame(rng.normal(size=(30, 4))).to_csv(path, header=False, index=False)
    ds = load_dataset(path)
    assert ds.columns == ["X1", "X2", "X3", "X4"]
    assert len(ds.frame) == 30
    assert any("no header row" in n for n in ds.profile.notes)


def test_headerless_with_text_levels_repeated(tmp_path: Path) -> None:
    rows = [f"{i * 0.5},{'yes' if i % 2 else 'no'}" for i in range(20)]
    ds = load_dataset(write(tmp_path / "h.csv", "\n".join(rows) + "\n"))
    assert ds.columns == ["X1", "X2"] and len(ds.frame) == 20
    assert ds.kind("X2") == "binary"


def test_header_override(tmp_path: Path) -> None:
    text = "2020,2021\n" + "".join(f"{i},{i * i % 7}\n" for i in range(15))
    path = write(tmp_path / "years.csv", text)
    assert load_dataset(path).columns == ["X1", "X2"]  # all-numeric first row: headerless
    forced = load_dataset(path, header=True)
    assert forced.columns == ["2020", "2021"] and len(forced.frame) == 15
    text2 = "a,b\n" + "".join(f"{i},{i % 3}\n" for i in range(12))
    as_data = load_dataset(write(tmp_path / "t.csv", text2), header=False)
    assert as_data.columns == ["X1", "X2"] and len(as_data.frame) == 13


def test_columns_replace_a_detected_header(tmp_path: Path) -> None:
    text = "p,q,r\n" + "".join(f"{i},{i % 4},{i * 0.3}\n" for i in range(12))
    ds = load_dataset(write(tmp_path / "r.csv", text), columns=["x", "y", "z"])
    assert ds.columns == ["x", "y", "z"] and len(ds.frame) == 12
    assert any("replaced by columns=" in n for n in ds.profile.notes)


def test_tsv_and_pipe(tmp_path: Path) -> None:
    frame = clinic_frame(40)
    tsv = tmp_path / "clinic.tsv"
    frame.to_csv(tsv, sep="\t", index=False)
    pipe = tmp_path / "clinic.txt"
    frame.to_csv(pipe, sep="|", index=False)
    for path in (tsv, pipe):
        ds = load_dataset(path)
        assert ds.columns == list(frame.columns)
        assert ds.frame["Tar Deposits"].to_numpy() == pytest.approx(frame["Tar Deposits"])


def test_semicolon_with_decimal_commas(tmp_path: Path) -> None:
    text = "x;y\n" + "".join(f"{i},5;{i * 2},25\n" for i in range(12))
    ds = load_dataset(write(tmp_path / "eu.csv", text))
    assert pd.api.types.is_numeric_dtype(ds.frame["x"])
    assert ds.frame["y"].iloc[1] == pytest.approx(2.25)


def test_quoted_semicolons_do_not_fool_the_sniffer(tmp_path: Path) -> None:
    text = "a,note,b\n" + "".join(f'{i},"x;y",{i % 3}\n' for i in range(12))
    ds = load_dataset(write(tmp_path / "q.csv", text))
    assert ds.columns == ["a", "note", "b"]


def test_gzip_csv(tmp_path: Path) -> None:
    path = tmp_path / "clinic.csv.gz"
    path.write_bytes(gzip.compress(clinic_frame(30).to_csv(index=False).encode()))
    ds = load_dataset(path)
    assert ds.name == "clinic" and ds.frame.shape == (30, 6)


def test_parquet_round_trip(tmp_path: Path) -> None:
    frame = clinic_frame(60)
    path = tmp_path / "clinic.parquet"
    frame.to_parquet(path, index=False)
    ds = load_dataset(path)
    assert ds.name == "clinic"
    pd.testing.assert_frame_equal(ds.frame, frame, check_dtype=False)
    assert ds.profile.excluded == ["patient_id"]
    assert ds.kind("exercise") == "categorical"
    assert ds.fingerprint == load_dataset(frame).fingerprint


def test_dataframe_input_and_name_sanitising() -> None:
    frame = clinic_frame(50)
    ds = load_dataset(frame)
    assert ds.name == "data" and ds.path is None
    assert isinstance(ds, Dataset)
    assert load_dataset(frame, name="My Clinic.v2 (2024)").name == "my_clinic_v2_2024"
    renamed = load_dataset(frame, columns=["id", "s", "t", "l", "e", "v"])
    assert renamed.columns == ["id", "s", "t", "l", "e", "v"]
    assert frame.columns[0] == "patient_id"  # the caller's frame is untouched
    assert load_dataset(pd.DataFrame({0: range(12), 1: range(3, 15)})).columns == ["0", "1"]


def test_sanitize_and_normalize() -> None:
    assert sanitize_name("sachs.csv") == "sachs_csv"
    assert sanitize_name("Café Données") == "cafe_donnees"
    assert sanitize_name("...") == "data"
    assert normalize("Lung_Cancer") == normalize("lung cancer") == normalize("lung-cancer")
    assert edit_distance("smokng", "smoking") == 1
    assert edit_distance("smoknig", "smoking") == 1  # a transposition counts once


# ---- profile ---------------------------------------------------------------------------------
def test_column_kinds_and_exclusions() -> None:
    rng = np.random.default_rng(3)
    n = 300
    frame = pd.DataFrame(
        {
            "row": np.arange(n),
            "batch_id": rng.integers(0, 5, n),
            "acid": rng.normal(size=n),
            "temp": rng.normal(size=n),
            "dose": rng.integers(0, 5, n),
            "treated": rng.integers(0, 2, n),
            "flag": rng.integers(0, 2, n).astype(bool),
            "group": rng.choice(["a", "b", "c"], n),
            "sex": rng.choice(["f", "m"], n),
            "site": ["s1"] * n,
            "empty": [np.nan] * n,
        }
    )
    ds = load_dataset(frame)
    kinds = {c.name: c.kind for c in ds.profile.columns}
    assert kinds["row"] == kinds["batch_id"] == "identifier"
    assert kinds["acid"] == kinds["temp"] == "continuous"
    assert kinds["dose"] == "discrete"
    assert kinds["treated"] == kinds["flag"] == kinds["sex"] == "binary"
    assert kinds["group"] == "categorical"
    assert ds.profile.column("site").constant and ds.profile.column("site").excluded
    assert "constant" in (ds.profile.column("site").reason or "")
    assert ds.profile.column("empty").excluded and ds.profile.column("empty").n_missing == n
    assert set(ds.profile.excluded) == {"row", "batch_id", "site", "empty"}
    assert ds.variables == ["acid", "temp", "dose", "treated", "flag", "group", "sex"]
    dumped = ds.profile.model_dump()
    assert dumped["variables"] == ds.variables and dumped["n_rows"] == n
    assert ds.profile.column("Temp").dtype == "float64"
    assert ds.profile.column("group").n_unique == 3


def test_identifier_names() -> None:
    for name in ["id", "ID", "batch_id", "patient id", "PatientID", "subject-Id", "uuid"]:
        assert is_identifier_name(name), name
    for name in ["acid", "lipid", "rapid_growth", "Idle", "identity", "fluid"]:
        assert not is_identifier_name(name), name


def test_gaussian_flag() -> None:
    rng = np.random.default_rng(4)
    n = 3000
    ds = load_dataset(
        pd.DataFrame(
            {
                "normal": rng.normal(size=n),
                "expo": rng.exponential(size=n),
                "uniform": rng.uniform(size=n),
                "laplace": rng.laplace(size=n),
                "count": rng.integers(0, 4, n),
            }
        )
    )
    flag = {c.name: c.gaussian for c in ds.profile.columns}
    assert flag == {"normal": True, "expo": False, "uniform": False, "laplace": False,
                    "count": None}
    assert any("Non-Gaussian" in n and "expo" in n for n in ds.profile.notes)


def test_gaussian_flag_not_hypersensitive_at_large_n() -> None:
    rng = np.random.default_rng(5)
    n = 200_000
    # Student t with 60 df: a real but negligible departure (excess kurtosis ~0.1).
    frame = pd.DataFrame({"big": rng.standard_t(60, size=n), "other": rng.normal(size=n)})
    assert load_dataset(frame).profile.column("big").gaussian is True


def test_missing_values_are_counted_and_noted() -> None:
    frame = clinic_frame(100)
    frame.loc[[3, 7, 9], "Tar Deposits"] = np.nan
    ds = load_dataset(frame)
    assert ds.profile.column("tar deposits").n_missing == 3
    assert any("missing values" in n for n in ds.profile.notes)


# ---- fingerprint -----------------------------------------------------------------------------
def test_fingerprint_stable_and_sensitive(tmp_path: Path) -> None:
    path = tmp_path / "clinic.csv"
    frame = clinic_frame(80)
    frame.to_csv(path, index=False)
    first = load_dataset(path)
    assert first.fingerprint == load_dataset(path).fingerprint == first.profile.fingerprint
    assert len(first.fingerprint) == 64
    code = (
        "from causal_agent.data import load_dataset; import sys;"
        f"print(load_dataset({str(path)!r}).fingerprint)"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == first.fingerprint

    changed = frame.copy()
    changed.loc[41, "Tar Deposits"] += 0.001
    changed.to_csv(tmp_path / "changed.csv", index=False)
    assert load_dataset(tmp_path / "changed.csv").fingerprint != first.fingerprint
    text = frame.copy()
    text.loc[5, "Exercise"] = "none"
    assert load_dataset(text).fingerprint != load_dataset(frame).fingerprint
    assert load_dataset(frame.rename(columns={"Visits": "visits"})).fingerprint != (
        load_dataset(frame).fingerprint
    )


# ---- names -----------------------------------------------------------------------------------
@pytest.fixture
def clinic() -> Dataset:
    return load_dataset(clinic_frame(), name="clinic")


def test_resolve_is_case_space_underscore_hyphen_insensitive(clinic: Dataset) -> None:
    for query in ["lung cancer", "Lung_Cancer", "lungcancer", "LUNG-CANCER", " 'lung cancer' "]:
        assert clinic.resolve(query) == "Lung_Cancer"
    assert clinic.resolve("tar_deposits") == "Tar Deposits"
    m = clinic.match("lung cancer")
    assert m.exact and m.note is None and m.name == "Lung_Cancer"
    assert clinic.resolve_many(["smoking", "EXERCISE"]) == ["Smoking", "Exercise"]
    assert clinic.resolve_many("smoking") == ["Smoking"]


def test_misspelling_resolves_and_is_reported(clinic: Dataset) -> None:
    m = clinic.match("smokng")
    assert (m.name, m.exact, m.note) == ("Smoking", False, "'smokng' read as 'Smoking'")
    assert clinic.resolve("lung cancr") == "Lung_Cancer"
    assert clinic.resolve("tar depostis") == "Tar Deposits"


def test_unknown_variable_suggests_closest() -> None:
    ds = load_dataset(
        pd.DataFrame({"food": [1.0, 2, 3] * 4, "fool": [3.0, 1, 2] * 4, "bar": [1.0, 5, 2] * 4}), name="clinic"
    )
    with pytest.raises(VariableError) as err:
        ds.resolve("foo")
    text = str(err.value)
    assert text.startswith("unknown variable 'foo' in dataset clinic. Did you mean ")
    assert "'food'" in text and "'fool'" in text and "'bar'" not in text
    with pytest.raises(VariableError, match="unknown variable 'weight'"):
        ds.resolve("weight")


def test_misspelling_never_beats_a_closer_match() -> None:
    cols = {c: np.arange(12.0) % (i + 3) for i, c in enumerate(
        ["X1", "X11", "age", "ages", "Lung Cancer", "lung_cancer", "smoke", "smokers"])}
    ds = load_dataset(pd.DataFrame(cols))
    assert ds.resolve("ages") == "ages" and ds.resolve("AGE") == "age"
    with pytest.raises(VariableError):
        ds.resolve("x12")  # digits differ: never read as X1 or X11
    assert ds.resolve("lung cancer") == "Lung Cancer"  # case-insensitive beats normalised
    with pytest.raises(VariableError, match="'Lung Cancer' or 'lung_cancer'"):
        ds.resolve("lungcancer")
    with pytest.raises(VariableError, match="ambiguous.*'smoke' or 'smokers'"):
        ds.resolve("smoker")  # one edit from both


def test_short_names_need_exact_spelling() -> None:
    ds = load_dataset(pd.DataFrame({"age": np.arange(12.0) % 5, "sex": np.arange(12) % 2}))
    with pytest.raises(VariableError, match="Did you mean 'age'"):
        ds.resolve("agx")


def test_kind_and_is_discrete(clinic: Dataset) -> None:
    assert clinic.kind("smoking") == "binary"
    assert clinic.kind("visits") == "discrete"
    assert clinic.kind("tar deposits") == "continuous"
    assert clinic.is_discrete(["smoking", "lung cancer", "exercise", "visits"])
    assert not clinic.is_discrete(["smoking", "tar deposits"])


# ---- numeric views ---------------------------------------------------------------------------
def test_matrix_encodes_text_and_drops_missing(clinic: Dataset) -> None:
    assert clinic.encoding("exercise") == {"low": 0, "medium": 1, "high": 2}
    assert clinic.encoding("smoking") is None
    X = clinic.matrix(["exercise", "tar deposits"])
    assert X.dtype == float and X.shape == (200, 2)
    expected = clinic.frame["Exercise"].map({"low": 0, "medium": 1, "high": 2}).to_numpy()
    assert np.array_equal(X[:, 0], expected)

    frame = clinic_frame()
    frame.loc[[0, 5, 6], "Exercise"] = np.nan
    frame.loc[[5, 10], "Tar Deposits"] = np.nan
    ds = load_dataset(frame)
    sub = ds.frame_for(["exercise", "tar deposits", "smoking"])
    assert len(sub) == 196 and sub.attrs["dropped_rows"] == 4
    assert sub["Exercise"].dtype == "int64" and sub["Smoking"].dtype == "int64"
    assert sub["Tar Deposits"].dtype == "float64"
    assert ds.matrix().shape == (196, 5)  # all variables, ID left out


def test_matrix_errors() -> None:
    rng = np.random.default_rng(6)
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=30),
            "b": rng.normal(size=30),
            "c": np.r_[np.full(25, np.nan), rng.normal(size=5)],
            "d": np.r_[np.ones(20), rng.normal(size=10)],
            "k": np.ones(30),
            "gone": np.full(30, np.nan),
        }
    )
    frame.loc[20:, "a"] = np.nan
    ds = load_dataset(frame, name="m")
    with pytest.raises(DataError, match="only 5 usable row"):
        ds.matrix(["b", "c"])
    with pytest.raises(DataError, match="'d' is constant in the 20 rows"):
        ds.matrix(["a", "d"])
    with pytest.raises(DataError, match="constant"):
        ds.matrix(["a", "k"])
    with pytest.raises(DataError, match="missing"):
        ds.frame_for(["gone", "b"])
    with pytest.raises(VariableError, match="more than once"):
        ds.matrix(["b", "B"])
    with pytest.raises(DataError, match="only 9 data rows"):
        load_dataset(frame.iloc[:9])
    with pytest.raises(DataError, match="at least 10"):
        load_dataset(frame.iloc[:9][["b", "d"]]).matrix(["b"])


# ---- published fixture -----------------------------------------------------------------------
def test_published_fixture_headerless_with_columns() -> None:
    ds = load_dataset(FIXTURE, columns=FIXTURE_COLUMNS)
    assert ds.name == "4_3_0"
    assert ds.columns == FIXTURE_COLUMNS
    assert len(ds.frame) == 1000
    assert ds.resolve("diet quality") == "Diet Quality"
    assert ds.resolve("heart_disease") == "Heart Disease"
    assert ds.matrix(["diet quality", "cholesterol level"]).shape == (1000, 2)
    assert all(c.kind == "continuous" for c in ds.profile.columns)
    typed = load_dataset(FIXTURE, columns=",".join(FIXTURE_COLUMNS))  # type: ignore[arg-type]
    assert typed.columns == FIXTURE_COLUMNS and typed.fingerprint == ds.fingerprint


# ---- bad input -------------------------------------------------------------------------------
def one_line_error(exc: pytest.ExceptionInfo[CausalAgentError]) -> str:
    text = str(exc.value)
    assert "\n" not in text and text
    return text


def test_missing_file_suggests_similar_names(tmp_path: Path) -> None:
    write(tmp_path / "clinic.csv", "a,b\n1,2\n")
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path / "clinc.csv")
    text = one_line_error(err)
    assert str(tmp_path / "clinc.csv") in text and "Did you mean 'clinic.csv'" in text
    with pytest.raises(DataError, match="does not exist"):
        load_dataset(tmp_path / "nowhere" / "x.csv")


def test_directory_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="is a directory"):
        load_dataset(tmp_path)


def test_binary_and_undecodable_files(tmp_path: Path) -> None:
    (tmp_path / "bin.csv").write_bytes(bytes(range(256)) * 4)
    with pytest.raises(DataError, match="binary"):
        load_dataset(tmp_path / "bin.csv")
    (tmp_path / "enc.csv").write_bytes(b"a,b\n1,\x81\x8d\n2,3\n")
    with pytest.raises(DataError, match="cannot decode.*UTF-8"):
        load_dataset(tmp_path / "enc.csv")
    latin = "température,état\n" + "".join(f"{i % 5},{'élevé' if i % 2 else 'bas'}\n" for i in range(12))
    (tmp_path / "latin.csv").write_bytes(latin.encode("cp1252"))
    ds = load_dataset(tmp_path / "latin.csv")
    assert ds.resolve("temperature") == "température"
    assert any("Windows-1252" in n for n in ds.profile.notes)


def test_empty_and_header_only_files(tmp_path: Path) -> None:
    for text in ["", "\n  \n"]:
        with pytest.raises(DataError, match="is empty"):
            load_dataset(write(tmp_path / "e.csv", text))
    with pytest.raises(DataError, match="header row but no data rows"):
        load_dataset(write(tmp_path / "h.csv", "a,b,c\n"))


def test_single_column_names_the_delimiters_tried(tmp_path: Path) -> None:
    with pytest.raises(DataError) as err:
        load_dataset(write(tmp_path / "one.csv", "a b c\n1 2 3\n4 5 6\n"))
    text = one_line_error(err)
    assert "single column" in text and "';'" in text and "tab" in text
    with pytest.raises(DataError, match="single column"):
        load_dataset(pd.DataFrame({"a": [1, 2, 3]}))


def test_unsupported_extension(tmp_path: Path) -> None:
    (tmp_path / "book.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(DataError, match="book.xlsx is an Excel workbook.*reads CSV.*save it as CSV"):
        load_dataset(tmp_path / "book.xlsx")
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    with pytest.raises(DataError, match="unsupported file type '.docx'.*reads CSV, TSV, TXT and Parquet"):
        load_dataset(tmp_path / "notes.docx")


def test_duplicate_columns(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="duplicate column name.*'a'"):
        load_dataset(write(tmp_path / "d.csv", "a,b,a\n1,2,3\n4,5,6\n"))
    with pytest.raises(DataError, match="duplicate"):
        load_dataset(pd.DataFrame([[1, 2]], columns=["x", "x"]))
    with pytest.raises(DataError, match="duplicate"):
        load_dataset(pd.DataFrame([[1, 2]]), columns=["y", "y"])


def test_columns_count_mismatch(tmp_path: Path) -> None:
    with pytest.raises(DataError) as err:
        load_dataset(FIXTURE, columns=["a", "b", "c"])
    text = one_line_error(err)
    assert "3 name" in text and "has 4 columns" in text


def test_ragged_rows_and_bad_sources(tmp_path: Path) -> None:
    rows = "a,b\n" + "1,2\n" * 10 + "1,2,3,4\n"
    with pytest.raises(DataError, match="cannot parse"):
        load_dataset(write(tmp_path / "rag.csv", rows))
    with pytest.raises(DataError, match="column 'a' .* holds list values"):
        load_dataset(pd.DataFrame({"a": [[1], [2]], "b": [1, 2]}))
    with pytest.raises(DataError, match="give a file path or a pandas DataFrame"):
        load_dataset(42)  # type: ignore[arg-type]
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match="as Parquet"):
        load_dataset(tmp_path / "bad.parquet")


def test_trailing_delimiter_column_is_dropped(tmp_path: Path) -> None:
    text = "a,b,\n" + "".join(f"{i},{i % 3},\n" for i in range(12))
    ds = load_dataset(write(tmp_path / "trail.csv", text))
    assert ds.columns == ["a", "b"]
