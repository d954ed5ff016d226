"""Assignments: the student versions built from the solution notebooks, and grading.

The build runs once per session (``otter assign`` on every notebook with exercises, ~1 minute);
grading runs notebook 01 three times (~30 s each): all stubs score 0, the solutions score full
points, and a solution with one planted bug loses exactly that exercise's points.
"""

from __future__ import annotations

import csv
import filecmp
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from gancourse import assignments
from gancourse.cli import main
from gancourse.course import REPOSITORY, colab_setup_cell

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
WITH_EXERCISES = ["01", "02", "03", "04", "05", "06", "08", "11", "12", "13", "14"]

pytest.importorskip("otter", reason="the `assignments` extra (otter-grader) is not installed")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("assignments")
    assignments.build(out)
    return out


def _questions(nb) -> list[str]:
    return sorted(
        m
        for c in nb.cells
        if c.cell_type == "code"
        for m in re.findall(r'grader\.check\("([^"]+)"\)', c.source)
    )


def test_every_listed_notebook_has_exercises_and_no_other():
    found = [p.name[:2] for p in assignments.assignment_notebooks(NOTEBOOKS)]
    assert found == WITH_EXERCISES


def test_each_notebook_has_two_to_four_code_exercises_and_an_open_question(built):
    for notebook in assignments.assignment_notebooks(NOTEBOOKS):
        tests = sorted((built / notebook.stem / "student" / "tests").glob("*.py"))
        assert 2 <= len(tests) <= 4, notebook.name
        source = nbformat.read(notebook, as_version=4)
        manual = [c for c in source.cells if c.cell_type == "raw" and "manual: true" in c.source]
        assert len(manual) >= 1, notebook.name


def test_student_notebooks_hold_stubs_checks_and_no_solution(built):
    for notebook in assignments.assignment_notebooks(NOTEBOOKS):
        student_path = built / notebook.stem / "student" / notebook.name
        student = nbformat.read(student_path, as_version=4)
        text = "\n".join(c.source for c in student.cells)
        secret = assignments.solution_lines(notebook)
        assert len(secret) >= 4, notebook.name  # the leak test below has something to look for
        assert not [line for line in secret if line in text], notebook.name
        assert "BEGIN SOLUTION" not in text and "**Model answer.**" not in text
        answers = [c for c in student.cells if "otter_answer_cell" in c.metadata.get("tags", [])]
        code_answers = [c for c in answers if c.cell_type == "code"]
        assert code_answers and all(assignments.STUB in c.source for c in code_answers)
        assert all(not c.outputs for c in student.cells if c.cell_type == "code")
        questions = _questions(student)
        assert questions == sorted(p.stem for p in (student_path.parent / "tests").glob("*.py"))
        # the set-up cell comes first and fetches exactly these tests on Colab; otter's init next
        assert student.cells[0].source == colab_setup_cell(notebook.stem, questions)
        assert student.cells[1].source.startswith("# Initialize Otter")


def test_leak_check_can_fail(built, tmp_path):
    notebook = NOTEBOOKS / "01_minimax_game.ipynb"
    student = tmp_path / notebook.name
    shutil.copy(built / notebook.stem / "student" / notebook.name, student)
    nb = nbformat.read(student, as_version=4)
    line = assignments.solution_lines(notebook)[0]
    nb.cells[-1].source += "\n" + line
    nbformat.write(nb, student)
    with pytest.raises(RuntimeError, match="solution text survived"):
        assignments._check_no_solutions(notebook, student)


def test_committed_student_copies_are_a_fresh_build(built, tmp_path):
    published = tmp_path / "student"
    assignments.publish_students(built, published)
    committed = ROOT / "student"
    names = sorted(p.name for p in published.iterdir())
    assert names == sorted(p.name for p in committed.iterdir()), (
        "run `make assignments` and commit student/"
    )
    for name in names:
        for path in sorted((published / name).rglob("*")):
            if path.is_file():
                twin = committed / path.relative_to(published)
                assert twin.exists() and filecmp.cmp(path, twin, shallow=False), (
                    f"student/{path.relative_to(published)} is stale: run `make assignments` and commit"
                )


def test_every_notebook_uses_the_one_repository_address():
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        assert nbformat.read(path, as_version=4).cells[0].source == colab_setup_cell(), path.name
    readme = (ROOT / "README.md").read_text()
    links = re.findall(
        r"https://colab\.research\.google\.com/github/([^/]+/[^/]+)/blob/main/(\S+?\.ipynb)", readme
    )
    assert len(links) == 2 * len(WITH_EXERCISES) + len(
        list(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    ) - len(WITH_EXERCISES)
    for repo, path in links:
        assert f"https://github.com/{repo}" == REPOSITORY
        assert (ROOT / path).exists(), path


def _grade_rows(path: Path) -> dict[tuple[str, str], float]:
    with path.open() as f:
        return {(r["submission"], r["exercise"]): float(r["points"]) for r in csv.DictReader(f)}


@pytest.mark.slow
def test_grading_gives_zero_full_and_full_minus_the_planted_bug(built, tmp_path):
    name = "01_minimax_game"
    submissions = tmp_path / "submissions"
    for who in ("stubs", "solutions", "one_bug"):
        (submissions / who).mkdir(parents=True)
    shutil.copy(built / name / "student" / f"{name}.ipynb", submissions / "stubs")
    solution = built / name / "autograder" / f"{name}.ipynb"
    shutil.copy(solution, submissions / "solutions")
    right = "F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()"
    text = solution.read_text()
    assert right in text
    (submissions / "one_bug" / f"{name}.ipynb").write_text(
        text.replace(right, "F.softplus(-real_logits).sum() + F.softplus(fake_logits).sum()")
    )
    out = tmp_path / "grades.csv"
    assert (
        main(
            [
                "assignments",
                "grade",
                str(submissions),
                "--autograder",
                str(built),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    grades = _grade_rows(out)
    exercises = {"q1_discriminator_loss": 2.0, "q2_optimal_discriminator": 2.0}
    for exercise, points in exercises.items():
        assert grades[f"stubs/{name}.ipynb", exercise] == 0.0
        assert grades[f"solutions/{name}.ipynb", exercise] == points
    assert grades[f"one_bug/{name}.ipynb", "q1_discriminator_loss"] == 0.0
    assert grades[f"one_bug/{name}.ipynb", "q2_optimal_discriminator"] == 2.0
    with out.open() as f:
        assert {r["status"] for r in csv.DictReader(f)} == {"graded"}


@pytest.mark.slow
def test_grading_stops_a_submission_at_the_timeout(built, tmp_path):
    name = "01_minimax_game"
    (tmp_path / "subs").mkdir()
    shutil.copy(built / name / "autograder" / f"{name}.ipynb", tmp_path / "subs")
    rows = assignments.grade(tmp_path / "subs", built, tmp_path / "g.csv", timeout=3)
    assert {r.status for r in rows} == {"timeout"} and sum(r.points for r in rows) == 0


def test_bad_arguments_say_what_to_do(tmp_path, capsys):
    assert main(["assignments", "build", "--only", "99", "--out", str(tmp_path)]) == 2
    assert "no notebook with exercises numbered 99" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert (
        main(["assignments", "grade", str(tmp_path / "empty"), "--autograder", str(tmp_path)]) == 2
    )
    assert "run `gancourse assignments build` first" in capsys.readouterr().err
