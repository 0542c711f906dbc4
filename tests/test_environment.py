"""The pinned environment: environment.yml and requirements.lock name the same versions."""

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
