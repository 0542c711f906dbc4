"""Byte-reproducible runs: the same inputs give the same published bytes, and `perfkit verify`
proves it (or names what differs and which input changed).

One run of a small Plan (a copy of ``params/`` through ``PERFKIT_PARAMS``: objective 1 with all
recorded crime, its deep dive, the data pack and the Board paper with its PDF) is verified twice:
with the same inputs, by a run with a cold cache of its own and another hash seed, so a cached result
cannot hide a difference; then with one byte of the Plan changed, when verify names the input and
the pages it changes. The full quarter rendered once per session (tests/conftest.py) is checked for
dates, paths and random ids in every file; its reports are the same templates and code as the small
run's, and tests/test_export.py, test_requests.py and test_national.py show the same bytes from
fresh processes, the PDF and every force's pack.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

QUARTER = "2018-19-Q2"  # RENDERED_QUARTER (tests/conftest.py)
SMALL_QUARTER = "2016-17-Q2"  # the small Plan's run, whose previous quarter is 2016-17-Q1
pytestmark = pytest.mark.slow


def _perfkit(*args, env=None, timeout=1800) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "perfkit", *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """(params, outputs, env): SMALL_QUARTER published from a small Plan with the Board paper's PDF,
    in both editions."""
    import yaml

    from conftest import write_small_params

    root = tmp_path_factory.mktemp("reproducible")
    params = write_small_params(root / "params", {1: "all_crime"})
    publishing = params / "publishing.yaml"
    settings = yaml.safe_load(publishing.read_text(encoding="utf-8")) or {}
    publishing.write_text(yaml.safe_dump(dict(settings, board_pdf=True, public_board_paper=True), sort_keys=False), encoding="utf-8")
    outputs = root / "outputs"
    # Last quarter's published Board data pack is an input of the pages (a revised figure is noted):
    # the page shows the note, and verify re-renders with the same pack, so it is reproduced too.
    previous = outputs / "2016-17-Q1" / "board"
    previous.mkdir(parents=True)
    (previous / "data-pack.csv").write_text("measure_id,quarter_value\nall_crime,1000\n", encoding="utf-8")
    env = dict(os.environ, PERFKIT_PARAMS=str(params))
    proc = _perfkit("run", "--quarter", SMALL_QUARTER, "--outputs", str(outputs), "--jobs", "1", "--quiet", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return params, outputs, env


def test_verify_reproduces_every_published_file_with_a_cold_cache_and_another_hash_seed(small_run, tmp_path):
    params, outputs, env = small_run
    folder = outputs / SMALL_QUARTER
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    # The manifest is what makes the pack provable: inputs with sha256, parameters, versions, commit.
    assert manifest["inputs"] and all(len(e["sha256"]) == 64 for e in manifest["inputs"])
    assert manifest["packages"]["python"] and manifest["git_commit"]
    listed = set(manifest["outputs"])
    assert {"board/board-pack.pdf", "board/board-pack.html", "board-pack.pdf", "board-pack.html",
            "data-pack.xlsx"} <= listed
    page = (folder / "board" / "objective-1.html").read_text(encoding="utf-8")
    assert "Revised figure: 2016/17 Q1 was published last quarter as 1,000 offences" in page
    # Another hash seed than the run's, a cold cache of its own (evidence, seasonal adjustments), so
    # a cached result cannot hide a difference, and two reports at a time where the run had one.
    again = dict(env, PYTHONHASHSEED="12345", PERFKIT_CACHE=str(tmp_path / "cache-verify"))
    proc = _perfkit("verify", str(folder), "--jobs", "2", env=again)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "differs:" not in proc.stdout
    assert f"every published file in {folder} is reproduced byte for byte" in proc.stdout
    assert any((tmp_path / "cache-verify").rglob("*")), "verify did not use the cold cache it was given"


def test_published_files_carry_no_timestamps_paths_or_random_ids(rendered_quarter):
    import time

    today = time.strftime("%Y-%m-%d")
    folder = rendered_quarter / QUARTER
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name == "manifest.json":
            continue
        if path.suffix == ".xlsx":
            import zipfile

            with zipfile.ZipFile(path) as book:
                core = book.read("docProps/core.xml").decode("utf-8")
                assert today not in core, f"{path.name}: the workbook records when it was written"
                assert len({info.date_time for info in book.infolist()}) == 1, f"{path.name}: zip entry times vary"
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        assert today not in text, f"{path.name} holds today's date"
        assert str(rendered_quarter) not in text, f"{path.name} holds a machine path"
        assert "/tmp/" not in text and "/work/" not in text, f"{path.name} holds a machine path"


def test_changing_one_input_byte_makes_verify_name_the_input_and_the_files(small_run, tmp_path):
    params, outputs, env = small_run
    folder = outputs / SMALL_QUARTER
    # One character of the Plan changed: verify names the input and the pages that now differ.
    plan = params / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    old = "How much crime is recorded"
    assert old in text
    plan.write_text(text.replace(old, "How much crime is Recorded"), encoding="utf-8")
    env_again = dict(env, PYTHONHASHSEED="7")
    log = tmp_path / "verify.log"  # as a scheduled verify runs: --quiet still prints the differences
    changed = _perfkit("verify", str(folder), "--jobs", "1", "--quiet", "--log", str(log), env=env_again)
    assert changed.returncode == 1, changed.stdout[-3000:] + changed.stderr[-3000:]
    logged = log.read_text(encoding="utf-8")
    assert f"perfkit verify {SMALL_QUARTER}: differs: objective-1.html" in logged and logged.rstrip().endswith("exit 1")
    out = changed.stdout
    assert "input changed since publication:" in out and "plan.yaml" in out, out
    differing = [line.split("differs: ", 1)[1] for line in out.splitlines() if line.startswith("differs: ")]
    assert "objective-1.html" in differing and "board/objective-1.html" in differing, out
    assert "data-pack.csv" not in differing  # the figures did not change, only a sentence
    assert "published file(s) are not reproduced" in out
