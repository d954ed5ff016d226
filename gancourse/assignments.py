"""Assignments: student notebooks and autograder bundles generated from the solution notebooks,
and offline grading of submitted notebooks.

The solution notebooks in ``notebooks/`` are written in otter-grader's notebook format
(https://otter-grader.readthedocs.io): a raw ``# ASSIGNMENT CONFIG`` cell, and per exercise a
``# BEGIN QUESTION`` … ``# END QUESTION`` block holding the prompt, the solution cell (its
answer between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` comments) and a test cell that calls
:mod:`gancourse.checks`. ``otter assign`` turns each into

* a **student** notebook: solutions removed, outputs cleared, ``grader.check("q…")`` after every
  exercise, and the test files beside it (``tests/q….py``);
* an **autograder** bundle (``NN_topic-autograder.zip``) for ``otter run`` or Gradescope.

On top of otter this module (1) turns the removed answer into ``raise NotImplementedError``
(otter leaves ``...``, which makes a function silently return ``None``), (2) gives the student
notebook a set-up cell that also fetches its tests on Colab, (3) numbers the cells so a rebuild
is byte-identical, and (4) refuses to write a student notebook in which any line of a solution
survives. :func:`grade` runs ``otter run`` on each submission in a fresh process, without
network where the system allows it (``unshare -rn``), under a time limit, and writes one CSV
row per submission and exercise.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .course import colab_setup_cell, default_notebooks_dir

__all__ = ["Grade", "assignment_notebooks", "build", "grade", "publish_students", "solution_lines"]

CONFIG_MARK = "# ASSIGNMENT CONFIG"
STUB = 'raise NotImplementedError("write this function, then run the check below")'


def _is_assignment(nb) -> bool:
    return any(c.cell_type == "raw" and c.source.lstrip().startswith(CONFIG_MARK) for c in nb.cells)


def assignment_notebooks(source: Path | None = None, only: list[str] | None = None) -> list[Path]:
    """The solution notebooks that carry exercises (an ``# ASSIGNMENT CONFIG`` cell), optionally
    only those whose number is in ``only`` (``["01", "05"]``)."""
    source = Path(source) if source else default_notebooks_dir()
    found = []
    for path in sorted(source.glob("[0-9][0-9]_*.ipynb")):
        if only and path.name[:2] not in only:
            continue
        if _is_assignment(nbformat.read(path, as_version=4)):
            found.append(path)
    if only:
        missing = set(only) - {p.name[:2] for p in found}
        if missing:
            raise ValueError(
                f"no notebook with exercises numbered {', '.join(sorted(missing))} in {source}; "
                f"those with exercises: {', '.join(p.name[:2] for p in assignment_notebooks(source)) or 'none'}"
            )
    return found


_SOLUTION_BLOCK = re.compile(r"#\s*BEGIN SOLUTION.*?\n(.*?)#\s*END SOLUTION", re.S)


def solution_lines(notebook: Path) -> list[str]:
    """The lines that only the solutions of a solution notebook contain: the code between
    ``# BEGIN SOLUTION`` and ``# END SOLUTION`` comments and the cells of raw
    ``# BEGIN SOLUTION`` … ``# END SOLUTION`` blocks (model answers), without short lines and
    without lines that also occur outside the solutions (``with torch.no_grad():``, or a hint
    that quotes a line)."""
    nb = nbformat.read(notebook, as_version=4)
    secret: list[str] = []
    public: list[str] = []
    inside = False
    for cell in nb.cells:
        text = cell.source.strip()
        if cell.cell_type == "raw" and text.startswith("# BEGIN SOLUTION"):
            inside = True
            continue
        if cell.cell_type == "raw" and text.startswith("# END SOLUTION"):
            inside = False
            continue
        if inside and cell.cell_type == "markdown":
            secret += text.splitlines()
            continue
        blocks = _SOLUTION_BLOCK.findall(cell.source) if cell.cell_type == "code" else []
        for block in blocks:
            secret += block.splitlines()
        public.append(_SOLUTION_BLOCK.sub("", cell.source))
    shown = "\n".join(public)  # prompts may quote a line on purpose, as a hint
    return [
        s for s in dict.fromkeys(line.strip() for line in secret) if len(s) >= 12 and s not in shown
    ]


def _postprocess_student(path: Path, name: str) -> None:
    nb = nbformat.read(path, as_version=4)
    init = [
        c for c in nb.cells if c.cell_type == "code" and c.source.startswith("# Initialize Otter")
    ]
    questions = sorted(
        {
            m
            for c in nb.cells
            if c.cell_type == "code"
            for m in re.findall(r'grader\.check\("([^"]+)"\)', c.source)
        }
    )
    cells = [c for c in nb.cells if c not in init]
    setup = next(
        (i for i, c in enumerate(cells) if c.cell_type == "code" and "google.colab" in c.source),
        None,
    )
    if setup is None:
        raise ValueError(f"{name}: the notebook has no Colab set-up cell to extend")
    cells[setup].source = colab_setup_cell(name, questions)
    cells[setup + 1 : setup + 1] = init  # otter's grader needs the tests the set-up cell fetched
    for cell in cells:
        if cell.cell_type == "code" and "otter_answer_cell" in cell.metadata.get("tags", []):
            cell.source = re.sub(r"(?m)^(\s*)\.\.\.\s*$", lambda m: m.group(1) + STUB, cell.source)
    for i, cell in enumerate(cells):
        cell.id = f"cell-{i:03d}"  # stable ids: a rebuild is byte-identical
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)


def _check_no_solutions(solution: Path, student: Path) -> None:
    text = "\n".join(c.source for c in nbformat.read(student, as_version=4).cells)
    leaked = [line for line in solution_lines(solution) if line in text]
    if leaked:
        raise RuntimeError(
            f"{student.name}: solution text survived into the student version, e.g. {leaked[0]!r}; "
            "check the BEGIN/END SOLUTION markers in the solution notebook"
        )


def _otter() -> list[str]:
    if shutil.which("otter") is None and not _has_module("otter"):
        raise RuntimeError(
            "otter-grader is not installed: pip install -e '.[assignments]' (make setup does it)"
        )
    return [sys.executable, "-m", "otter"]


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def build(out: Path, only: list[str] | None = None, source: Path | None = None) -> list[Path]:
    """Write ``out/NN_topic/student/`` and ``out/NN_topic/autograder/`` for each notebook with
    exercises; return the student notebooks."""
    out = Path(out)
    written = []
    for notebook in assignment_notebooks(source, only):
        name = notebook.stem
        target = out / name
        if target.exists():
            shutil.rmtree(target)
        result = subprocess.run(
            [*_otter(), "assign", "--no-run-tests", "--no-pdfs", str(notebook), str(target)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"otter assign failed on {notebook.name}:\n{result.stdout}{result.stderr}"
            )
        student = target / "student" / notebook.name
        _postprocess_student(student, name)
        _check_no_solutions(notebook, student)
        for bundle in (target / "autograder").glob("*.zip"):
            bundle.rename(target / "autograder" / f"{name}-autograder.zip")
        written.append(student)
    return written


def publish_students(out: Path, dest: Path) -> list[Path]:
    """Copy each built student notebook and its tests to ``dest/NN_topic/`` (the repository's
    ``student/`` folder, which the README's Colab links and the student set-up cells read).
    Generated, never edited: CI rebuilds it and fails if the committed copy differs."""
    copied = []
    for student in sorted(Path(out).glob("*/student")):
        target = Path(dest) / student.parent.name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(student, target)
        copied.append(target)
    return copied


@dataclass(frozen=True)
class Grade:
    """One row of the grades CSV."""

    submission: str
    assignment: str
    exercise: str
    points: float
    possible: float
    status: str  # "graded", "timeout" or "error: …"


def _assignment_of(path: Path, bundles: dict[str, Path]) -> str:
    meta = nbformat.read(path, as_version=4).metadata.get("otter", {})
    name = meta.get("assignment_name")
    if name in bundles:
        return name
    for candidate in bundles:
        if candidate in path.stem:
            return candidate
    raise ValueError(
        f"{path}: cannot tell which assignment this is (no otter metadata, and its name contains "
        f"none of {', '.join(sorted(bundles))}); keep the notebook's file name"
    )


# Run inside `unshare -rn` (a new user and network namespace: no interface but a loopback
# that starts down): bring the loopback up, which the notebook kernel talks to its client
# over, then become the grading command. Nothing outside the machine can be reached.
_LOOPBACK_UP_THEN_EXEC = """
import fcntl, os, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, struct.pack("16sH", b"lo", 0)))[1]
fcntl.ioctl(s, 0x8914, struct.pack("16sH", b"lo", flags | 1))
if len(sys.argv) > 1:
    os.execv(sys.argv[1], sys.argv[1:])
"""


def _no_network() -> list[str]:
    """The prefix that runs a command without network (``unshare -rn`` and a loopback), or
    ``[]`` where the system does not allow unprivileged namespaces."""
    if shutil.which("unshare") is None:
        return []
    prefix = ["unshare", "-rn", sys.executable, "-c", _LOOPBACK_UP_THEN_EXEC]
    probe = subprocess.run(prefix, capture_output=True)
    return prefix if probe.returncode == 0 else []


def _questions(bundle: Path) -> dict[str, float]:
    points = {}
    with zipfile.ZipFile(bundle) as z:
        for name in z.namelist():
            if name.startswith("tests/") and name.endswith(".py"):
                text = z.read(name).decode()
                m = re.search(r"(?m)^points\s*=\s*([0-9.]+)", text)
                points[Path(name).stem] = float(m.group(1)) if m else 1.0
    return dict(sorted(points.items()))


def _run_in_own_group(command: list[str], timeout: float, **kwargs) -> str:
    """Run ``command`` in a new session; at the timeout kill the whole group (otter's notebook
    kernel included, which would otherwise outlive it) and raise ``TimeoutExpired``."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        **kwargs,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    return output


def grade(
    submissions: Path,
    autograder: Path,
    out_csv: Path,
    timeout: float = 900.0,
    profile: str = "fast",
) -> list[Grade]:
    """Grade every ``*.ipynb`` under ``submissions`` with the bundles built into ``autograder``
    (the ``out`` folder of :func:`build`); write ``out_csv`` and return its rows.

    Each submission runs top to bottom in a fresh process and kernel (``otter run``), in a
    scratch folder, with ``GANCOURSE_PROFILE=profile``, without network where ``unshare -rn``
    works, and is stopped after ``timeout`` seconds (its exercises then score 0, status
    ``timeout``). Open questions are graded by hand and are not in the CSV."""
    bundles = {
        p.name.removesuffix("-autograder.zip"): p
        for p in Path(autograder).glob("*/autograder/*-autograder.zip")
    }
    if not bundles:
        raise ValueError(
            f"no autograder bundles under {autograder}: run `gancourse assignments build` first"
        )
    files = sorted(Path(submissions).rglob("*.ipynb"))
    if not files:
        raise ValueError(f"no notebooks to grade under {submissions}")
    isolation = _no_network()
    if not isolation:
        print(
            "gancourse assignments grade: unprivileged namespaces are not allowed here, so "
            "submissions run WITH network access",
            file=sys.stderr,
        )
    rows: list[Grade] = []
    for path in files:
        name = _assignment_of(path, bundles)
        questions = _questions(bundles[name])
        scores, status = {}, "graded"
        with tempfile.TemporaryDirectory() as scratch:
            work = Path(scratch) / f"{name}.ipynb"
            shutil.copy(path, work)
            command = [
                *isolation,
                *_otter(),
                "run",
                "--no-logo",
                "-a",
                str(bundles[name]),
                "-o",
                scratch,
                str(work),
            ]
            env = {**os.environ, "GANCOURSE_PROFILE": profile, "PYTHONWARNINGS": "ignore"}
            try:
                output = _run_in_own_group(command, timeout=timeout, cwd=scratch, env=env)
                results = Path(scratch) / "results.json"
                if results.exists():
                    for test in json.loads(results.read_text())["tests"]:
                        if "max_score" in test and test["name"] in questions:
                            scores[test["name"]] = float(test.get("score") or 0.0)
                else:
                    tail = output.strip().splitlines()[-1:] or ["no output"]
                    status = f"error: {tail[0][:200]}"
            except subprocess.TimeoutExpired:
                status = "timeout"
        for question, possible in questions.items():
            rows.append(
                Grade(
                    str(path.relative_to(submissions)),
                    name,
                    question,
                    scores.get(question, 0.0),
                    possible,
                    status,
                )
            )
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    with out_csv.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", "assignment", "exercise", "points", "possible", "status"])
        for row in rows:
            writer.writerow(
                [row.submission, row.assignment, row.exercise, row.points, row.possible, row.status]
            )
    return rows
