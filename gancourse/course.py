"""Run the course: execute every notebook headless and publish the results.

``gancourse course`` (and ``make course``) executes each notebook in a fresh kernel of the
current Python environment, under the chosen run profile, writes the executed ``.ipynb``
and an HTML page per notebook to the output folder, and an ``index.html`` table of every
notebook with its status, run time and links. A notebook that fails is reported in the
table, the others still run, and the command exits non-zero.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = [
    "REPOSITORY",
    "colab_setup_cell",
    "NotebookResult",
    "default_notebooks_dir",
    "find_notebooks",
    "run_course",
    "run_notebook",
]


# The course's repository, stated once: the notebooks' Colab set-up cells, the student
# notebooks' test downloads and the README's "Open in Colab" links must all use it
# (tests/test_assignments.py checks that they do).
REPOSITORY = "https://github.com/gancourse/gancourse"
RAW_STUDENT_URL = (
    REPOSITORY.replace("https://github.com/", "https://raw.githubusercontent.com/")
    + "/main/student"
)

# otter-grader asks for ipywidgets 8, which Colab's tqdm cannot render: on Colab it is installed
# without its dependencies, plus the few its `grader.check` needs (checked against ipywidgets 7.7).
_OTTER_ON_COLAB = (
    '"otter-grader>=6.1,<8", "fica>=0.4.1", "ipylab>=1,<2", "python-frontmatter", "jupytext", '
    '"wrapt<2", "dill"'
)


def colab_setup_cell(assignment: str | None = None, questions: list[str] | None = None) -> str:
    """The first cell of every notebook: on Colab it installs the course package (with the
    Inception extra on a GPU runtime, leaving Colab's torch and ipywidgets alone); elsewhere it
    does nothing. For a student notebook (``assignment`` given) it also installs otter-grader
    and fetches the notebook's test files from the repository's ``student/`` folder."""
    lines = [
        "# Set-up cell. On Google Colab it installs the course package (a minute); anywhere else it",
        "# does nothing, because `make course` / `make lab` already installed it.",
        "# To choose the run profile, set it here, before gancourse is imported:",
        '#   import os; os.environ["GANCOURSE_PROFILE"] = "fast"   # or "full" (the default on a GPU)',
        "import sys",
        "",
        'if "google.colab" in sys.modules:',
        "    import shutil",
        "    import subprocess",
        "",
        f'    COURSE_REPO = "{REPOSITORY}"  # the course\'s repository',
        "    # Inception features for FID only where a GPU can use them; Colab's torch stays",
        '    extras = "[inception]" if shutil.which("nvidia-smi") else ""',
        '    pip = [sys.executable, "-m", "pip", "install", "-q"]',
        '    subprocess.run([*pip, f"gancourse{extras} @ git+{COURSE_REPO}"], check=True)',
    ]
    if assignment is not None:
        names = ", ".join(f'"{q}"' for q in questions or [])
        lines += [
            "    # the checks of the exercises: otter-grader and this notebook's test files",
            f'    subprocess.run([*pip, "--no-deps", {_OTTER_ON_COLAB}], check=True)',
            "    import os",
            "    import urllib.request",
            "",
            '    os.makedirs("tests", exist_ok=True)',
            f"    for question in [{names}]:",
            "        urllib.request.urlretrieve(",
            f'            f"{RAW_STUDENT_URL}/{assignment}/tests/{{question}}.py", f"tests/{{question}}.py"',
            "        )",
        ]
    return "\n".join(lines)


@dataclass
class NotebookResult:
    """What happened to one notebook."""

    name: str
    passed: bool
    seconds: float
    error: str = ""
    outputs: dict[str, str] = field(default_factory=dict)  # kind -> file name in the out dir


def default_notebooks_dir() -> Path:
    """``notebooks/`` of the checkout the package runs from, else of the current folder."""
    repo = Path(__file__).resolve().parents[1] / "notebooks"
    return repo if repo.is_dir() else Path.cwd() / "notebooks"


def find_notebooks(directory: Path, only: list[str] | None = None) -> list[Path]:
    """The notebooks of ``directory`` in teaching order; ``only`` keeps those whose name
    starts with one of the given prefixes (``["00", "03"]`` or full names)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(
            f"no notebooks folder at {directory}; run from the repository root or pass --notebooks DIR"
        )
    notebooks = sorted(p for p in directory.glob("*.ipynb") if not p.name.startswith("."))
    if only:
        wanted = [o.removesuffix(".ipynb") for o in only]
        notebooks = [p for p in notebooks if any(p.stem.startswith(w) for w in wanted)]
        if not notebooks:
            raise FileNotFoundError(f"no notebook in {directory} matches --only {' '.join(only)}")
    return notebooks


@contextmanager
def _environment(**values: str):
    """Set environment variables for the kernels started inside the block."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _describe_error(err: Exception) -> str:
    ename = getattr(err, "ename", type(err).__name__)
    evalue = getattr(err, "evalue", str(err))
    # One line: the first non-empty line of the message (some errors start with a newline).
    lines = [line.strip() for line in str(evalue).splitlines() if line.strip()]
    return f"{ename}: {' '.join(lines)}"[:2000]


def run_notebook(
    path: Path, out_dir: Path, timeout: int = 1800, in_place: bool = False
) -> NotebookResult:
    """Execute one notebook (cwd = its folder) and write ``.ipynb`` + ``.html`` to ``out_dir``.

    The executed notebook is written even when a cell fails, so the error can be read in
    place. With ``in_place`` a notebook that passed is also written back over ``path``.
    """
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    error = ""
    with tempfile.TemporaryDirectory(prefix="gancourse-kernel-") as sockets:
        # On POSIX the kernel talks over local sockets in a private temporary folder rather
        # than over TCP (which ipykernel warns is unencrypted); elsewhere, TCP on localhost.
        transport = (
            {"transport": "ipc", "ip": str(Path(sockets) / "kernel")} if os.name == "posix" else {}
        )
        kernel = KernelManager(kernel_name="python3", **transport)
        client = NotebookClient(
            nb,
            km=kernel,
            timeout=timeout,
            resources={"metadata": {"path": str(path.parent)}},
        )
        try:
            client.execute()
        except Exception as err:  # a failing cell, a timeout or a dead kernel: report, go on
            error = _describe_error(err)
        finally:
            # The client does not own a kernel manager it was given: shut the kernel down
            # here, or every notebook's kernel would live until the course run ends.
            if kernel.has_kernel:
                kernel.shutdown_kernel(now=True)
    seconds = time.perf_counter() - start
    out_dir.mkdir(parents=True, exist_ok=True)
    ipynb = out_dir / path.name
    nbformat.write(nb, ipynb)
    page = out_dir / f"{path.stem}.html"
    body, _ = HTMLExporter().from_notebook_node(nb)
    page.write_text(body, encoding="utf-8")
    if in_place and not error:
        nbformat.write(nb, path)
    return NotebookResult(
        path.stem, not error, seconds, error, {"html": page.name, "ipynb": ipynb.name}
    )


def _index_html(results: list[NotebookResult], info: dict[str, str]) -> str:
    rows = []
    for r in results:
        status = "passed" if r.passed else "failed"
        links = " · ".join(
            f'<a href="{html.escape(f)}">{kind}</a>' for kind, f in r.outputs.items()
        )
        rows.append(
            f'<tr class="{status}"><td><a href="{html.escape(r.outputs.get("html", ""))}">'
            f"{html.escape(r.name)}</a></td><td>{status}</td><td>{r.seconds:.1f}</td>"
            f"<td>{links}</td><td><pre>{html.escape(r.error)}</pre></td></tr>"
        )
    meta = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in info.items())
    n_failed = sum(not r.passed for r in results)
    verdict = "all notebooks passed" if n_failed == 0 else f"{n_failed} notebook(s) failed"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gancourse — course run</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: .3em .6em; text-align: left; vertical-align: top; }}
tr.passed td:nth-child(2) {{ color: #070; font-weight: bold; }}
tr.failed td:nth-child(2) {{ color: #b00; font-weight: bold; }}
pre {{ margin: 0; white-space: pre-wrap; max-width: 50em; }}
</style></head><body>
<h1>gancourse — course run</h1>
<p>{verdict}.</p>
<ul>{meta}</ul>
<table><thead><tr><th>notebook</th><th>status</th><th>seconds</th><th>files</th><th>error</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""


def run_course(
    notebooks_dir: Path | None = None,
    out_dir: Path = Path("build/course"),
    only: list[str] | None = None,
    profile: str | None = None,
    timeout: int = 1800,
    in_place: bool = False,
    log=print,
) -> list[NotebookResult]:
    """Execute the notebooks, write ``out_dir/index.html`` and ``summary.json``, and
    return the results (the caller decides the exit code)."""
    import torch

    from .config import device
    from .config import profile as current_profile

    notebooks = find_notebooks(notebooks_dir or default_notebooks_dir(), only)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with _environment(GANCOURSE_PROFILE=profile) if profile else _environment():
        chosen = current_profile()  # validates the profile before anything runs
        info = {
            "profile": chosen,
            "device": str(device()),
            "torch": torch.__version__,
            "started": _dt.datetime.now().isoformat(timespec="seconds"),
        }
        log(
            f"gancourse course: {len(notebooks)} notebook(s), profile {chosen}, device {info['device']}"
        )
        results = []
        with _environment(GANCOURSE_PROFILE=chosen):
            for path in notebooks:
                log(f"  {path.name}: running …")
                result = run_notebook(path, out_dir, timeout=timeout, in_place=in_place)
                results.append(result)
                status = "passed" if result.passed else f"FAILED — {result.error.splitlines()[0]}"
                log(f"  {path.name}: {status} ({result.seconds:.1f} s)")
                # Write the index after each notebook so an interrupted run still shows progress.
                info["total seconds"] = f"{sum(r.seconds for r in results):.1f}"
                (out_dir / "index.html").write_text(_index_html(results, info), encoding="utf-8")
                (out_dir / "summary.json").write_text(
                    json.dumps({"info": info, "notebooks": [asdict(r) for r in results]}, indent=2)
                )
    log(f"wrote {out_dir / 'index.html'}")
    return results
