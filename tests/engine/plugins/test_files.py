"""csv_read and csv_write, on real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import PluginRegistry
from engine.errors import PluginExecutionError
from tests.engine.plugins.conftest import Call

CSV = 'id,name,amount,code\n1,Ann,12.5,007\n2,"Bob, Jr.",,x\n3,Cid,-4,1e3\n'


def test_csv_plugins_run_off_the_loop(registry: PluginRegistry) -> None:
    assert registry.get("csv_read").execution_mode() == "thread"
    assert registry.get("csv_write").execution_mode() == "thread"


async def test_csv_read_file_with_types(call: Call, tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text(CSV, encoding="utf-8")
    out = await call("csv_read", {}, {"path": str(path)})
    assert out["columns"] == ["id", "name", "amount", "code"]
    assert out["rows"] == [
        {"id": 1, "name": "Ann", "amount": 12.5, "code": "007"},
        {"id": 2, "name": "Bob, Jr.", "amount": None, "code": "x"},
        {"id": 3, "name": "Cid", "amount": -4, "code": 1000.0},
    ]
    assert out["count"] == 3
    raw = await call("csv_read", {"path": str(path)}, {"infer_types": False})
    assert raw["rows"][0] == {"id": "1", "name": "Ann", "amount": "12.5", "code": "007"}


async def test_csv_read_text_without_header_and_other_delimiter(call: Call) -> None:
    out = await call("csv_read", {}, {"text": "a;1\nb;2\n", "delimiter": ";", "has_header": False})
    assert out["rows"] == [{"column1": "a", "column2": 1}, {"column1": "b", "column2": 2}]
    out = await call("csv_read", {"text": "a;1\n"}, {"delimiter": ";", "has_header": False,
                                                     "columns": ["key", "n"]})
    assert out["rows"] == [{"key": "a", "n": 1}]
    short = await call("csv_read", {}, {"text": "a,b,c\n1\n"})
    assert short["rows"] == [{"a": 1, "b": None, "c": None}]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "give a 'path'"),
        ({"path": "/no/such/file.csv"}, "CSV file not found: /no/such/file.csv"),
        ({"text": "a,b\n1,2,3\n"}, "CSV line 2 has 3 cells but there are only 2 columns"),
        ({"text": "a,b\n\n1,2\n4,5,6\n"}, "CSV line 4 has 3 cells"),
        ({"text": 'a\n"unterminated\n', "delimiter": ","}, None),
    ],
)
async def test_csv_read_errors(call: Call, params: dict, message: str | None) -> None:
    if message is None:  # the csv module accepts an unterminated quote at the end
        assert (await call("csv_read", {}, params))["rows"] == [{"a": "unterminated\n"}]
        return
    with pytest.raises(PluginExecutionError) as caught:
        await call("csv_read", {}, params)
    assert message in str(caught.value)


async def test_csv_read_reports_bad_encoding(call: Call, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("name\nJosé\n".encode("latin-1"))
    with pytest.raises(PluginExecutionError, match="cannot read"):
        await call("csv_read", {}, {"path": str(path)})
    out = await call("csv_read", {}, {"path": str(path), "encoding": "latin-1"})
    assert out["rows"] == [{"name": "José"}]


ROWS = [{"id": 1, "name": "Ann", "tags": ["a", "b"]}, {"id": 2, "name": "Bob, Jr.", "ok": True},
        {"id": 3, "name": None}]


async def test_csv_write_text_and_columns(call: Call) -> None:
    out = await call("csv_write", {"rows": ROWS})
    assert out == {"count": 3, "text": 'id,name,tags,ok\n1,Ann,"[""a"", ""b""]",\n'
                                      '2,"Bob, Jr.",,true\n3,,,\n'}
    out = await call("csv_write", {"rows": ROWS}, {"columns": ["name", "id"], "delimiter": ";",
                                                   "include_header": False})
    assert out["text"] == "Ann;1\nBob, Jr.;2\n;3\n"


async def test_csv_write_file_round_trips_and_appends(call: Call, tmp_path: Path) -> None:
    path = tmp_path / "out" / "people.csv"
    out = await call("csv_write", {"rows": ROWS[:2]}, {"path": str(path), "columns": ["id", "name"]})
    assert out == {"path": str(path.resolve()), "count": 2}
    await call("csv_write", {"rows": ROWS[2:]}, {"path": str(path), "mode": "append",
                                                 "columns": ["id", "name"]})
    back = await call("csv_read", {}, {"path": str(path)})
    assert back["rows"] == [{"id": 1, "name": "Ann"}, {"id": 2, "name": "Bob, Jr."},
                            {"id": 3, "name": None}]
    assert list(path.parent.iterdir()) == [path]  # no partial file left behind


async def test_csv_write_errors(call: Call, tmp_path: Path) -> None:
    with pytest.raises(PluginExecutionError, match="no 'rows' list"):
        await call("csv_write", {"data": []})
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(PluginExecutionError, match="cannot write"):
        await call("csv_write", {"rows": ROWS}, {"path": str(blocker / "sub.csv")})


async def test_csv_write_append_follows_the_existing_header(call: Call, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("name,id\nzed,0\n", encoding="utf-8")
    await call("csv_write", {"rows": [{"id": 1, "name": "Ann", "extra": "dropped"}]},
               {"path": str(path), "mode": "append"})
    assert path.read_text(encoding="utf-8") == "name,id\nzed,0\nAnn,1\n"
