"""The pinned environment: environment.yml and requirements.lock name the same versions. And the
tests' own settings: the real public data folder is ``$PERFKIT_TEST_DATA`` (tests/conftest.py)."""

import re
import tomllib

import yaml


def _norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _lock(root):
    pins = {}
    for line in (root / "requirements.lock").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)$", line.strip())
        if match:
            pins[_norm(match.group(1))] = match.group(2)
    return pins


def test_environment_yml_pins_match_the_lock(project_root):
    env = yaml.safe_load((project_root / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    lock = _lock(project_root)
    assert pip_section, "environment.yml lists no pip packages"
    for spec in pip_section:
        name, version = spec.split("==")
        assert lock.get(_norm(name)) == version, f"{name}: environment.yml {version}, lock {lock.get(_norm(name))}"
    assert "python=3.11" in env["dependencies"]


def test_every_direct_dependency_is_pinned_in_both(project_root):
    deps = tomllib.loads((project_root / "pyproject.toml").read_text())["project"]["dependencies"]
    env = yaml.safe_load((project_root / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    in_env = {_norm(spec.split("==")[0]) for spec in pip_section}
    lock = _lock(project_root)
    for dep in deps:
        name = _norm(re.split(r"[<>=!~ \[]", dep)[0])
        assert name in lock, f"{dep} is a dependency but not pinned in requirements.lock"
        assert name in in_env, f"{dep} is missing from environment.yml"


def test_lock_pins_exact_versions_only(project_root):
    for line in (project_root / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert "==" in line, f"requirements.lock: {line!r} is not an exact pin"


# --- the real public data: PERFKIT_TEST_DATA (tests/conftest.py) -----------------------------------

#: A short test that needs the real public data (through the shared_data fixture).
SHARED_DATA_TEST = "tests/test_caveats.py::test_estimate_shift_on_a_real_series_with_a_partial_feed"


def _pytest_with_test_data(project_root, folder, ci: str):
    import os
    import subprocess
    import sys

    env = dict(os.environ, PERFKIT_TEST_DATA=str(folder), CI=ci)
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run([sys.executable, "-m", "pytest", SHARED_DATA_TEST, "-q", "-rs", "-p", "no:cacheprovider"],
                          cwd=project_root, env=env, capture_output=True, text=True, timeout=300)


def test_test_data_folder_is_a_setting(monkeypatch, tmp_path):
    from conftest import DEFAULT_SHARED_DATA, shared_data_dir

    monkeypatch.delenv("PERFKIT_TEST_DATA", raising=False)
    assert shared_data_dir() == DEFAULT_SHARED_DATA
    monkeypatch.setenv("PERFKIT_TEST_DATA", str(tmp_path))
    assert shared_data_dir() == tmp_path.resolve()


def test_missing_test_data_skips_naming_the_variable_and_fails_in_ci(project_root):
    """PERFKIT_TEST_DATA pointing nowhere: the test skips, saying which variable to set and the
    default; under CI=true the same test fails."""
    from conftest import DEFAULT_SHARED_DATA

    proc = _pytest_with_test_data(project_root, "/nonexistent", ci="false")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "1 skipped" in out, out[-3000:]
    assert "no real public data folder at /nonexistent (from PERFKIT_TEST_DATA)" in out
    assert "set PERFKIT_TEST_DATA to the folder holding it" in out and str(DEFAULT_SHARED_DATA) in out

    proc = _pytest_with_test_data(project_root, "/nonexistent", ci="true")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1 and "1 error" in out, out[-3000:]
    assert "no real public data folder at /nonexistent (from PERFKIT_TEST_DATA); CI must have it: set PERFKIT_TEST_DATA" in out
    assert "Traceback" not in out and "pytest.fail(" not in out
