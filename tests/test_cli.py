import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import gancourse
import gancourse.datasets.fashion as fm
from gancourse.cli import main
from gancourse.course import find_notebooks


def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"gancourse {gancourse.__version__}"


def test_console_script_is_installed():
    out = subprocess.run(
        [sys.executable, "-m", "gancourse", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("gancourse ")


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "course" in capsys.readouterr().out


def test_data_reports_location_and_checksums(fashion_folder, capsys):
    assert main(["data"]) == 0
    out = capsys.readouterr().out
    assert "Fashion-MNIST found in" in out and "checksums OK" in out
    for md5 in fm.RAW_MD5.values():
        assert md5 in out


def test_data_missing_says_how_to_get_it(tmp_path, capsys):
    assert main(["data", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "not found" in err and "apt-get install dataset-fashion-mnist" in err


def test_data_corrupt_copy_fails(fashion_folder, tmp_path, capsys):
    for name in fm.RAW_MD5:
        source = fm._find_file(fashion_folder, name)
        (tmp_path / source.name).symlink_to(source)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01" + b"\x00" * 10)
    assert main(["data", "--root", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "CORRUPT" in captured.out and "Delete the corrupt" in captured.err


def test_find_notebooks_order_and_filter(tmp_path):
    for name in ("02_b", "00_a", "10_c"):
        _notebook(tmp_path / f"{name}.ipynb", "1")
    assert [p.stem for p in find_notebooks(tmp_path)] == ["00_a", "02_b", "10_c"]
    assert [p.stem for p in find_notebooks(tmp_path, ["10", "00"])] == ["00_a", "10_c"]
    with pytest.raises(FileNotFoundError, match="matches --only"):
        find_notebooks(tmp_path, ["99"])


def test_course_runs_all_reports_failures_and_exits_nonzero(tmp_path, capsys):
    books = tmp_path / "nb"
    books.mkdir()
    _notebook(books / "00_ok.ipynb", "import gancourse\nprint('profile', gancourse.profile())")
    _notebook(books / "01_broken.ipynb", "x = 1", "1 / 0")
    _notebook(books / "02_after.ipynb", "print('still ran')")
    out = tmp_path / "out"
    code = main(["course", "--notebooks", str(books), "--out", str(out), "--profile", "fast"])
    assert code == 1
    assert "1 of 3 notebook(s) failed: 01_broken" in capsys.readouterr().err

    summary = json.loads((out / "summary.json").read_text())
    assert [(n["name"], n["passed"]) for n in summary["notebooks"]] == [
        ("00_ok", True),
        ("01_broken", False),
        ("02_after", True),
    ]
    assert summary["info"]["profile"] == "fast"
    assert "ZeroDivisionError" in summary["notebooks"][1]["error"]
    index = (out / "index.html").read_text()
    for name in ("00_ok", "01_broken", "02_after"):
        assert f'href="{name}.html"' in index
        assert (out / f"{name}.html").is_file() and (out / f"{name}.ipynb").is_file()
    assert "ZeroDivisionError" in index and "1 notebook(s) failed" in index
    # the kernel saw the chosen profile
    executed = nbformat.read(out / "00_ok.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"].strip() == "profile fast"
    # the failing notebook keeps its outputs up to the error
    broken = nbformat.read(out / "01_broken.ipynb", as_version=4)
    assert broken.cells[1].outputs[0]["output_type"] == "error"
    # and no kernel outlives its notebook
    import psutil

    kernels = [
        c for c in psutil.Process().children(recursive=True) if "ipykernel" in " ".join(c.cmdline())
    ]
    assert kernels == []


def test_course_only_and_in_place(tmp_path):
    books = tmp_path / "nb"
    books.mkdir()
    _notebook(books / "00_a.ipynb", "print(6 * 7)")
    _notebook(books / "01_b.ipynb", "print('not run')")
    code = main(
        [
            "course",
            "--notebooks",
            str(books),
            "--out",
            str(tmp_path / "o"),
            "--only",
            "00",
            "--in-place",
        ]
    )
    assert code == 0
    assert (
        json.loads((tmp_path / "o" / "summary.json").read_text())["notebooks"][0]["name"] == "00_a"
    )
    assert not (tmp_path / "o" / "01_b.html").exists()
    written_back = nbformat.read(books / "00_a.ipynb", as_version=4)
    assert written_back.cells[0].outputs[0]["text"] == "42\n"
    assert written_back.cells[0].execution_count == 1


def test_course_bad_arguments(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["course", "--profile", "medium"])
    assert info.value.code == 2
    assert main(["course", "--notebooks", str(tmp_path / "nope")]) == 2
    assert "no notebooks folder" in capsys.readouterr().err
