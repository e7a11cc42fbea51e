import numpy as np
import pytest

from physlens.data.loaders import load_table, split_header
from physlens.errors import DataError, UnitError


def write(path, text):
    path.write_text(text)
    return path


def good_rows(n=12):
    return "".join(f"{i},{2 * i},{3 * i + 1}\n" for i in range(1, n + 1))


def test_header_units_and_unit_options(tmp_path):
    path = write(tmp_path / "t.csv", "x [m],t [s],v\n" + good_rows())
    dataset = load_table(path, target="v", units={"v": "m/s"})
    assert dataset.variable("x").unit == "m"
    assert dataset.variable("t").unit == "s"
    assert dataset.variable("v").unit == "m/s"
    assert dataset.input_names == ["x", "t"]
    assert dataset.target_name == "v"
    np.testing.assert_allclose(dataset.y, 3 * np.arange(1, 13) + 1)


def test_split_header():
    assert split_header(" a [m/s^2] ") == ("a", "m/s^2")
    assert split_header("a") == ("a", None)


@pytest.mark.parametrize(
    "text, message",
    [
        ("x,y,z\n" + good_rows(5).replace("3,6,10", "3,oops,10"), r"column 'y' row 3 \(line 4\) holds 'oops', which is not a number"),
        ("x,y,z\n" + good_rows().replace("3,6,10", "3,nan,10"), r"column 'y' row 3 is NaN"),
        ("x,y,z\n" + good_rows().replace("3,6,10", "3,inf,10"), r"column 'y' row 3 is infinite"),
        ("x,y,z\n" + good_rows(9), r"9 rows; at least 10 rows are needed"),
        ("x,y,z\n" + "".join(f"{i},{i},5\n" for i in range(12)), r"target column 'z' is constant"),
        ("x,y,z\n" + good_rows().replace("3,6,10", "3,6"), r"line 4 has 2 fields, the header has 3"),
        ("x,y,z\n" + good_rows().replace("3,6,10", "3,6,10,11"), r"line 4 has 4 fields, the header has 3"),
        ("x,x,z\n" + good_rows(), r"duplicate column name 'x'"),
        ("x,y,w\n" + good_rows(), r"target column 'z' is not in the table; columns: x, y, w"),
        ("", r"the file is empty"),
        ("x,y,z\n", r"the header has no rows below it"),
        ("x,y z,z\n" + good_rows(), r"column name 'y z' cannot be used in equations"),
    ],
)
def test_bad_csv_input_names_column_and_row(tmp_path, text, message):
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(DataError, match=message):
        load_table(path, target="z")


def test_unknown_unit_names_column(tmp_path):
    path = write(tmp_path / "t.csv", "x [furlongz],y,z\n" + good_rows())
    with pytest.raises(UnitError, match="unknown unit 'furlongz' for column 'x'"):
        load_table(path, target="z")


def test_unit_for_missing_column(tmp_path):
    path = write(tmp_path / "t.csv", "x,y,z\n" + good_rows())
    with pytest.raises(DataError, match="unit given for unknown column 'q'"):
        load_table(path, target="z", units={"q": "m"})


def test_missing_file_and_unknown_suffix(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_table(tmp_path / "none.csv", target="z")
    other = write(tmp_path / "t.xlsx", "x")
    with pytest.raises(DataError, match="unknown file type '.xlsx'"):
        load_table(other, target="z")


def test_npz_and_parquet_load_the_same_table(tmp_path):
    import pandas as pd

    values = {"x": np.arange(12.0), "y": np.arange(12.0) ** 2}
    np.savez(tmp_path / "t.npz", **values)
    pd.DataFrame(values).to_parquet(tmp_path / "t.parquet")
    for name in ("t.npz", "t.parquet"):
        dataset = load_table(tmp_path / name, target="y", units={"x": "m"})
        np.testing.assert_allclose(dataset.y, values["y"])
        assert dataset.variable("x").unit == "m"


def test_npz_with_2d_array_is_refused(tmp_path):
    np.savez(tmp_path / "t.npz", x=np.zeros((12, 2)), y=np.arange(12.0))
    with pytest.raises(DataError, match=r"array 'x' has shape \(12, 2\)"):
        load_table(tmp_path / "t.npz", target="y")


def test_parquet_with_text_column_names_row(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"x": [str(i) for i in range(12)], "y": np.arange(12.0)})
    frame.loc[4, "x"] = "five"
    frame.to_parquet(tmp_path / "t.parquet")
    with pytest.raises(DataError, match="column 'x' row 5 holds 'five'"):
        load_table(tmp_path / "t.parquet", target="y")
