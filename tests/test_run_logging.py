"""The run's progress through logging and tqdm, and Papermill driven through its public API."""

import logging
import re

import pytest

from perfkit import run

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}"


@pytest.fixture
def handlers():
    made = []
    yield made
    for group in made:
        run.release_logging(group)


def test_the_log_file_keeps_its_timestamped_lines_and_the_terminal_gets_plain_ones(tmp_path, capsys, handlers):
    path = tmp_path / "logs" / "run.log"
    handlers.append(run.configure_logging(path, "auto"))
    log = logging.getLogger("perfkit.run")
    log.info("start: perfkit run --quarter auto", extra={"file_only": True})
    log.info("objective-1: running", extra={"quarter": "2018-19-Q2", "state": "running"})
    log.info("check: one\ncheck: two", extra={"quarter": "2018-19-Q2"})
    log.info("objective-1 stderr: kernel noise", extra={"quarter": "2018-19-Q2", "file_only": True})
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5
    assert re.fullmatch(STAMP + r" perfkit run auto: start: perfkit run --quarter auto", lines[0]), lines[0]
    assert re.fullmatch(STAMP + r" perfkit run 2018-19-Q2: objective-1: running", lines[1]), lines[1]
    assert lines[2].endswith("perfkit run 2018-19-Q2: check: one") and lines[3].endswith("2018-19-Q2: check: two")
    err = capsys.readouterr().err
    # not a terminal: every state change as a plain line; file-only records stay off the terminal
    assert err.splitlines() == ["perfkit run: objective-1: running", "perfkit run: check: one", "check: two"]


def test_quiet_keeps_errors_and_release_detaches(tmp_path, capsys, handlers):
    group = run.configure_logging(None, quiet=True)
    log = logging.getLogger("perfkit.run")
    log.info("objective-1: done in 3.0s")
    log.error("objective-2 failed: cell 5 (report.narrative()): ConfigError: bad")
    assert capsys.readouterr().err == "perfkit run: objective-2 failed: cell 5 (report.narrative()): ConfigError: bad\n"
    run.release_logging(group)
    log.error("after release")
    assert "after release" not in capsys.readouterr().err
    assert not [h for h in logging.getLogger("perfkit").handlers if h in group]


def test_progress_logs_every_state_and_shows_no_bar_off_a_terminal(capsys, handlers):
    handlers.append(run.configure_logging(None))
    progress = run._Progress(["objective-1", "deep-dive"], "2018-19-Q2", show=True)
    assert progress.bar.disable  # pytest's stderr is not a terminal
    progress.update("objective-1", "running")
    progress.update("objective-1", "running")  # no change: nothing logged
    progress.update("objective-1", "done", "in 2.0s")
    progress.close()
    assert capsys.readouterr().err.splitlines() == ["perfkit run: objective-1: running",
                                                     "perfkit run: objective-1: done in 2.0s"]
    assert progress.states == {"objective-1": "done", "deep-dive": "queued"}


def test_terminal_handler_leaves_running_states_to_the_bar(capsys):
    handler = run._Terminal(logging.INFO, bar=True)
    record = logging.LogRecord("perfkit.run", logging.INFO, __file__, 1, "deep-dive: running", None, None)
    record.state = "running"
    handler.emit(record)
    done = logging.LogRecord("perfkit.run", logging.INFO, __file__, 1, "deep-dive: done in 9.0s", None, None)
    handler.emit(done)
    assert capsys.readouterr().err == "perfkit run: deep-dive: done in 9.0s\n"


def test_papermill_writes_the_executed_notebook_once(tmp_path, monkeypatch):
    """request_save_on_cell_execute=False: one write at the end, not one before and after each cell."""
    import nbformat
    import papermill.engines
    import papermill.execute

    writes = []
    for module in (papermill.execute, papermill.engines):
        original = module.write_ipynb
        monkeypatch.setattr(module, "write_ipynb",
                            lambda nb, path, _original=original: (writes.append(path), _original(nb, path)))
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(f"x{i} = {i}") for i in range(6)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    monkeypatch.setattr(run, "_load_notebook", lambda name: notebook)
    monkeypatch.setattr(run, "export_edition", lambda nb, job, edition, nav: "<p>page</p>")
    job = run.Job(name="objective-9", notebook="quick.py", parameters={}, title="Quick")
    (tmp_path / "work").mkdir()
    (tmp_path / "staging").mkdir()
    result = run._execute(job, str(tmp_path / "work"), str(tmp_path / "staging"), 60, 60, ())
    assert result["ok"], result
    assert [p for p in writes if p] == [str(tmp_path / "work" / "objective-9.ipynb")]
    executed = nbformat.read(tmp_path / "work" / "objective-9.ipynb", as_version=4)
    assert [c.execution_count for c in executed.cells] == [1, 2, 3, 4, 5, 6]
    assert (tmp_path / "staging" / "board" / "objective-9.html").read_text() == "<p>page</p>"


def test_a_cell_error_ipython_could_not_format_is_still_named(tmp_path):
    """A traceback through a Jinja template defeats IPython's formatter: papermill then reports a
    bare CellExecutionError, and the run's message names the exception from the cell's stderr."""
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    from perfkit.run import _error_of

    cell = nbformat.v4.new_code_cell("pack.objective_tables()")
    cell.metadata["papermill"] = {"exception": True}
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="Unexpected exception formatting exception.\n"),
                    nbformat.v4.new_output("stream", name="stderr", text=(
                        "Traceback (most recent call last):\n  File \"x.py\", line 1\n"
                        "jinja2.exceptions.UndefinedError: 'css' is undefined\n\n"
                        "During handling of the above exception, another exception occurred:\n\n"
                        "Traceback (most recent call last):\ntokenize.TokenError: ('EOF in multi-line statement', (3, 0))\n"))]
    path = tmp_path / "report.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("error above"), cell]), str(path))
    bare = PapermillExecutionError(0, 1, "pack.objective_tables()", "CellExecutionError", "", [])
    assert _error_of(bare, path) == "jinja2.exceptions.UndefinedError: 'css' is undefined"
    assert _error_of(bare, tmp_path / "gone.ipynb") == "the cell raised an exception the notebook could not show"
    named = PapermillExecutionError(0, 1, "x", "ValueError", "boom", [])
    assert _error_of(named, path) == "ValueError: boom"
