"""Publishing a quarter whole (issue 23): the check of a folder against the reports the run planned,
and the fault-injection setting the failure tests use (``PERFKIT_FAULT``, perfkit.run.fault).

The end-to-end failures (a worker killed inside a publish task, on a real dask cluster) are in
tests/test_national.py; an interrupted one-force run in tests/test_run_failsafe.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from perfkit import run
from perfkit.run import Job

JOBS = [
    Job("objective-1", "objective.py", {"quarter": "2018-19-Q2", "objective": 1}, "Objective 1"),
    Job("deep-dive", "deep_dive.py", {"quarter": "2018-19-Q2", "objective": 1}, "Deep dive"),
    Job("data-pack", "data_pack.py", {"quarter": "2018-19-Q2", "downloads_dir": "/x"}, "Data pack"),
]


def _complete(folder: Path) -> Path:
    """A folder holding every planned file of JOBS, with its manifest."""
    for name in run.planned_files(JOBS):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"<p>{name}</p>", encoding="utf-8")
    outputs = {str(p.relative_to(folder)): run.sha256_file(p)
               for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "manifest.json"}
    (folder / "manifest.json").write_text(json.dumps({"outputs": outputs}), encoding="utf-8")
    return folder


def test_the_planned_files_are_every_report_in_both_editions_the_downloads_the_index_and_the_manifest():
    files = run.planned_files(JOBS)
    for name in ("objective-1.html", "board/objective-1.html", "deep-dive.html", "board/deep-dive.html",
                 "data-pack.html", "board/data-pack.html", "data-pack.csv", "data-pack.xlsx",
                 "board/data-pack.csv", "board/data-pack.xlsx", "index.html", "board/index.html",
                 "glossary.html", "board/glossary.html", "accessibility.html", "board/accessibility.html",
                 "board/board-pack.html", "board/board-pack.pdf", "manifest.json"):
        assert name in files
    assert len(files) == len(set(files)) == 19
    # only a report with downloads stages them
    assert run.staged_files(JOBS[0]) == ["objective-1.html", "board/objective-1.html"]


def test_a_complete_folder_passes_and_each_gap_is_named(tmp_path):
    folder = _complete(tmp_path / "q")
    assert run.incomplete(folder, JOBS, hashes=True) == []
    (folder / "board" / "data-pack.xlsx").unlink()
    (folder / "deep-dive.html").write_text("changed", encoding="utf-8")
    assert run.incomplete(folder, JOBS) == ["board/data-pack.xlsx is missing",
                                           "board/data-pack.xlsx (in the manifest) is missing"]
    assert "deep-dive.html differs from the manifest" in run.incomplete(folder, JOBS, hashes=True)


def test_a_planned_file_the_manifest_does_not_list_is_named(tmp_path):
    folder = _complete(tmp_path / "q")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["outputs"]["board/board-pack.html"]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert run.incomplete(folder, JOBS) == ["board/board-pack.html is not in the manifest"]
    (folder / "manifest.json").unlink()
    assert run.incomplete(folder, JOBS) == ["manifest.json is missing"]


def _fault(tmp_path: Path, spec: str) -> int:
    """Reach the point ``publish:norfolk:swapped`` in a new process under ``PERFKIT_FAULT=spec``."""
    code = ("import sys; from pathlib import Path; from perfkit.run import fault; "
            f"fault('publish', 'norfolk', 'swapped', Path({str(tmp_path / 'marks')!r})); sys.exit(0)")
    return subprocess.run([sys.executable, "-c", code], env=dict(os.environ, **{run.FAULT_VARIABLE: spec}),
                          timeout=120).returncode


@pytest.mark.parametrize("spec", [None, "", "publish:suffolk:swapped", "publish:norfolk:copied", "report:norfolk:swapped"])
def test_no_fault_unless_the_setting_names_the_point(tmp_path, monkeypatch, spec):
    if spec is None:
        monkeypatch.delenv(run.FAULT_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(run.FAULT_VARIABLE, spec)
    run.fault("publish", "norfolk", "swapped", tmp_path / "marks")  # returns: this process goes on
    assert not (tmp_path / "marks").exists()


def test_a_fault_ends_the_process_once_per_run_unless_always(tmp_path, monkeypatch):
    spec = "report:essex:data-pack, publish:norfolk:swapped"
    assert _fault(tmp_path, spec) == run.FAULT_EXIT
    # the marker in the run's work folder says it fired: a retry of the task runs to the end
    assert (tmp_path / "marks" / ".fault-publish-norfolk-swapped").is_file()
    monkeypatch.setenv(run.FAULT_VARIABLE, spec)
    run.fault("publish", "norfolk", "swapped", tmp_path / "marks")
    assert _fault(tmp_path, "publish:norfolk:swapped:always") == run.FAULT_EXIT


def test_finish_refuses_to_switch_an_incomplete_quarter_into_place(tmp_path, monkeypatch):
    """The last step before the swap: a staging folder lacking a planned file is not published,
    the published quarter and its checks page stay as they were, and the error names the file."""
    from types import SimpleNamespace

    from perfkit.errors import PerfkitError
    from perfkit.periods import parse_quarter
    from perfkit.reports import site

    outputs = tmp_path / "outputs"
    published = _complete(outputs / "2018-19-Q2")
    (outputs / "_work" / "2018-19-Q2").mkdir(parents=True)
    (outputs / "_work" / "2018-19-Q2" / "checks.html").write_text("published quarter's checks", encoding="utf-8")
    staging = _complete(tmp_path / "staging")
    (staging / "board" / "data-pack.xlsx").unlink()
    # the index pages, board pack and manifest are in staging already (_complete); no checks page
    # may be written for a quarter that does not go live
    monkeypatch.setattr(site, "write_quarter_index", lambda *args, **kwargs: None)
    monkeypatch.setattr(site, "write_board_pack", lambda *args, **kwargs: None)
    monkeypatch.setattr(run, "write_manifest", lambda *args, **kwargs: None)
    monkeypatch.setattr(site, "write_checks_page", lambda *args, **kwargs: pytest.fail("checks page written"))
    before = {p: p.read_bytes() for p in sorted(outputs.rglob("*")) if p.is_file()}
    with pytest.raises(PerfkitError) as raised:
        run.finish(staging, outputs, parse_quarter("2018-19-Q2"), SimpleNamespace(force="norfolk"), None, JOBS, JOBS,
                   [], None, 0.0, {}, work=outputs / "_work" / ".2018-19-Q2-1")
    assert raised.value.exit_code == run.EXIT_FAILED
    assert "not published" in str(raised.value) and "board/data-pack.xlsx is missing" in str(raised.value)
    assert {p: p.read_bytes() for p in sorted(outputs.rglob("*")) if p.is_file()} == before
    assert published.is_dir() and staging.is_dir()


def test_the_board_pdf_is_planned_unless_the_publishing_settings_turn_it_off(tmp_path, monkeypatch):
    from perfkit.config import publishing
    from perfkit.errors import ConfigError
    from perfkit.run import Job, planned_files

    jobs = [Job(name="objective-1", notebook="objective.py", parameters={}, title="Objective 1")]
    monkeypatch.setenv("PERFKIT_PARAMS", str(tmp_path))
    assert "board/board-pack.pdf" in planned_files(jobs)  # no publishing.yaml: the default
    (tmp_path / "publishing.yaml").write_text("board_pdf: false\n", encoding="utf-8")
    planned = planned_files(jobs)
    assert "board/board-pack.pdf" not in planned and "board/board-pack.html" in planned
    (tmp_path / "publishing.yaml").write_text("board_pdf: sometimes\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"publishing.yaml: board_pdf: found 'sometimes'"):
        publishing.board_pdf()


def test_the_public_edition_of_the_paper_is_planned_only_when_the_publishing_settings_ask(tmp_path, monkeypatch):
    from perfkit.config import publishing
    from perfkit.errors import ConfigError
    from perfkit.run import Job, planned_files

    jobs = [Job(name="objective-1", notebook="objective.py", parameters={}, title="Objective 1")]
    monkeypatch.setenv("PERFKIT_PARAMS", str(tmp_path))
    assert not {"board-pack.html", "board-pack.pdf"} & set(planned_files(jobs))  # the default: Board edition only
    (tmp_path / "publishing.yaml").write_text("public_board_paper: true\n", encoding="utf-8")
    assert {"board-pack.html", "board-pack.pdf", "board/board-pack.pdf"} <= set(planned_files(jobs))
    (tmp_path / "publishing.yaml").write_text("public_board_paper: true\nboard_pdf: false\n", encoding="utf-8")
    planned = set(planned_files(jobs))
    assert "board-pack.html" in planned and not {"board-pack.pdf", "board/board-pack.pdf"} & planned
    (tmp_path / "publishing.yaml").write_text("public_board_paper: yes please\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"publishing.yaml: public_board_paper: found 'yes please'"):
        publishing.public_board_paper()
