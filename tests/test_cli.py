"""The command line and the API as their users expect them (issue 23, item 6): ``--version``, help
with exit 2 when no command is given, one meaning per option name across commands, ``verify``'s
``--log``, ``--quiet`` and exit codes, ``perfkit a11y --help``, the report objects' true signatures
and reprs, and the documented nbconvert command hiding the code."""

from __future__ import annotations

import inspect
import os
import re
import shlex
import subprocess
import sys
import tomllib

import pytest

import perfkit
from perfkit import cli


def _perfkit(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "perfkit", *args], capture_output=True, text=True, timeout=120)


def test_version_is_printed_and_written_once(project_root):
    proc = _perfkit("--version")
    assert proc.returncode == 0 and proc.stdout == f"perfkit {perfkit.__version__}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+", perfkit.__version__)
    project = tomllib.loads((project_root / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "perfkit.__version__"}


def test_no_command_prints_the_usage_and_exits_2_help_exits_0():
    proc = _perfkit()
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("usage: perfkit <command> [options]") and "verify" in proc.stderr
    proc = _perfkit("--help")
    assert proc.returncode == 0 and proc.stdout.startswith("usage: perfkit <command> [options]")
    assert "perfkit --version" in proc.stdout


def _help(command: str, capsys) -> str:
    with pytest.raises(SystemExit) as stop:
        cli.main([command, "--help"])
    assert stop.value.code == 0, command
    return capsys.readouterr().out


def _options(text: str) -> dict:
    """``--name`` -> whether it takes a value, from argparse's help."""
    found = {}
    for match in re.finditer(r"^\s{2}(?:-\w(?: \S+)?, )?(--[\w-]+)( \S+)?", text, flags=re.M):
        found[match.group(1)] = bool(match.group(2))  # a value follows after one space; help after two
    return found


#: What each option name shared by several commands means (one meaning each).
SHARED = {"--params": "DIR", "--store": "DIR", "--quiet": None, "--log": "FILE", "--jobs": "N", "--forces": "slug"}


def test_every_option_name_means_one_thing_across_commands(capsys):
    helps = {name: _help(name, capsys) for name in cli.COMMANDS}
    options = {name: _options(text) for name, text in helps.items()}
    assert options["run"]["--forces"] and options["verify"]["--log"]  # the parse reads what argparse wrote
    by_name: dict = {}
    for command, found in options.items():
        for option, takes_value in found.items():
            by_name.setdefault(option, {})[command] = takes_value
    for option, commands in by_name.items():
        if option == "--help" or len(commands) == 1:
            continue
        assert option in SHARED, f"{option} is used by {sorted(commands)}: give it one meaning (add it to SHARED)"
        assert len(set(commands.values())) == 1, f"{option} takes a value in some commands only: {commands}"
    # --force only overwrites; force slugs are --forces everywhere (run, counts, synth).
    assert set(by_name["--force"]) == {"new-quarter"} and by_name["--force"]["new-quarter"] is False
    assert "overwrite" in helps["new-quarter"]
    assert {"run", "counts", "synth"} <= set(by_name["--forces"])
    for command in by_name["--forces"]:
        entry = re.search(r"^  --forces .*(?:\n {6,}\S.*)*", helps[command], flags=re.M).group(0)
        assert "slug" in entry.lower() and "SLUG,SLUG" in entry, (command, entry)
    assert "--collisions-force SLUG" in helps["ingest"]


def test_counts_takes_forces(tmp_path, capsys):
    from perfkit.data import ensure_store

    store = ensure_store()
    assert cli.main(["counts", "--forces", "cambridgeshire", "--from", "2014-01", "--to", "2014-02", "--by", "month",
                     "--store", str(store)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "month,force,count"
    for command in (["counts"], ["run", "--quarter", "2016-17-Q2"], ["synth", str(tmp_path), "--months", "2017-01"]):
        with pytest.raises(SystemExit) as stop:  # not taken as short for --forces
            cli.main([*command, "--force", "cambridgeshire"])
        assert stop.value.code == 2 and "unrecognized arguments: --force cambridgeshire" in capsys.readouterr().err


def test_a11y_help_shows_the_perfkit_command(capsys):
    text = _help("a11y", capsys)
    assert text.startswith("usage: perfkit a11y") and "python -m" not in text
    assert "exit codes" in text
    with pytest.raises(SystemExit) as stop:
        cli.main(["a11y"])
    assert stop.value.code == 2 and "usage: perfkit a11y" in capsys.readouterr().err


def test_verify_has_the_runs_log_quiet_and_documented_exit_codes(capsys, project_root):
    text = _help("verify", capsys)
    assert "--log FILE" in text and "--quiet" in text and "--jobs N" in text
    codes = text.split("exit codes", 1)[1]
    for code in ("0 ", "1 ", "2 ", "130"):
        assert f"\n  {code}" in codes, code
    guide = (project_root / "docs" / "scheduling.md").read_text(encoding="utf-8")
    assert "## Verifying a published quarter unattended" in guide
    assert "perfkit verify outputs/2018-19-Q2 --quiet --log" in guide


def test_verify_with_quiet_prints_nothing_when_reproduced_and_logs_the_exit(tmp_path, capsys, monkeypatch):
    import perfkit.run as run

    log = tmp_path / "logs" / "verify.log"
    monkeypatch.setattr(run, "verify", lambda folder, jobs=None: ([], []))
    assert cli.main(["verify", str(tmp_path / "2018-19-Q2"), "--quiet", "--log", str(log)]) == 0
    assert capsys.readouterr().out == ""
    lines = log.read_text(encoding="utf-8").splitlines()
    assert re.match(r"^\d{4}-\d\d-\d\dT\S+ perfkit verify 2018-19-Q2: start: perfkit verify ", lines[0])
    assert "is reproduced byte for byte" in lines[-2] and lines[-1].endswith("perfkit verify 2018-19-Q2: exit 0")

    monkeypatch.setattr(run, "verify", lambda folder, jobs=None: (["params/plan.yaml"], ["objective-1.html"]))
    assert cli.main(["verify", str(tmp_path / "2018-19-Q2"), "--quiet", "--log", str(log)]) == 1
    out = capsys.readouterr().out  # differences are printed even with --quiet
    assert out.splitlines() == ["input changed since publication: params/plan.yaml", "differs: objective-1.html",
                                "verify: 1 published file(s) are not reproduced"]
    assert log.read_text(encoding="utf-8").splitlines()[-1].endswith("exit 1")


def test_verify_of_a_folder_without_a_manifest_exits_2_and_logs_it(tmp_path, capsys):
    log = tmp_path / "verify.log"
    assert cli.main(["verify", str(tmp_path), "--quiet", "--log", str(log)]) == 2
    assert "no manifest.json" in capsys.readouterr().err
    text = log.read_text(encoding="utf-8")
    assert "error: " in text and "no manifest.json" in text and text.rstrip().endswith("exit 2")


def test_report_sections_show_their_true_signature():
    import pydoc

    from perfkit.present.section import Section, section_names
    from perfkit.reports.datapack import DataPack
    from perfkit.reports.deepdive import DeepDive
    from perfkit.reports.report import ObjectiveReport

    for cls in (ObjectiveReport, DeepDive, DataPack):
        names = [n for n in vars(cls) if getattr(getattr(cls, n), "section_name", None)]
        assert len(names) >= 4, cls
        for name in names:
            method = getattr(cls, name)
            signature = inspect.signature(method)
            assert list(signature.parameters) == ["self"], (cls.__name__, name, signature)
            assert signature.return_annotation is Section
            assert method.__name__ == name and method.__doc__ and method.__wrapped__.__doc__ == method.__doc__
    text = pydoc.render_doc(ObjectiveReport.evidence, renderer=pydoc.plaintext)
    assert "evidence(self) -> perfkit.present.section.Section" in text and "out" not in text.split("\n")[2]
    assert section_names.__doc__


def test_report_objects_have_a_useful_repr():
    from perfkit.reports.datapack import DataPack
    from perfkit.reports.deepdive import DeepDive
    from perfkit.reports.report import ObjectiveReport

    report = ObjectiveReport("2016-17-Q2", 3)
    text = repr(report)
    assert text.startswith("<ObjectiveReport: objective 3 (") and "2016/17 Quarter 2" in text
    assert report.ctx.plan.force_name in text and "object at 0x" not in text
    assert text.endswith("sections: header(), narrative(), evidence(), harm(), outcomes(), published_by_others(), "
                         "wider_environment(), about()>")
    assert repr(DeepDive("2016-17-Q2", 2)).startswith("<DeepDive: deep dive into objective 2 (")
    pack = repr(DataPack("2016-17-Q2", seasonal_method="stl"))
    assert pack.startswith("<DataPack: data pack of the whole Plan") and "seasonal_method='stl'" in pack
    assert repr(report.ctx).startswith("<ReportContext: ") and "2016/17 Quarter 2" in repr(report.ctx)


def test_the_documented_nbconvert_command_hides_the_code(project_root, tmp_path):
    """docs/notebooks.md's nbconvert command, on an executed notebook (the export's fixture): the
    HTML holds the outputs and none of the code cells' source."""
    guide = (project_root / "docs" / "notebooks.md").read_text(encoding="utf-8")
    line = next(line for line in guide.splitlines() if line.startswith(".venv/bin/jupyter nbconvert"))
    args = shlex.split(line)[1:]
    assert "--no-input" in args and "--execute" in args
    notebook = project_root / "tests" / "fixtures" / "export" / "report.ipynb"
    args = [str(notebook) if a == "notebooks/objective.ipynb" else str(tmp_path) if a == "outputs/notebooks" else a
            for a in args if a != "--execute"]  # already executed
    jupyter = os.path.join(os.path.dirname(sys.executable), "jupyter")
    proc = subprocess.run([jupyter, *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "keeping people safe" in html  # the narrative is there
    assert "NEVER-PUBLISHED code" not in html and "report.chart(" not in html and "1 / 0" not in html
