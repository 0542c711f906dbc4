"""The ``perfkit`` command line.

Each subcommand lives in the module that holds its logic and is reached through a small table
here, so a module owns its own options (``perfkit.data.ingest`` parses ``perfkit ingest``'s). Every
subcommand's entry point takes the remaining arguments and returns an exit code.

``perfkit --version`` prints the version; ``perfkit`` with no command prints the usage and exits 2
(a scheduled job missing its command fails); ``perfkit --help`` prints it and exits 0.

An option name means one thing in every command: ``--force`` only "overwrite" (``new-quarter``),
``--forces`` force slugs (``run``, ``counts``, ``synth``), ``--quiet`` no progress display,
``--log FILE`` the timestamped log (``run``, ``verify``), ``--jobs N`` reports rendered at once.

Exit codes (all subcommands)
----------------------------
0  success
1  the job ran but something failed (a report, a check); the message says which
2  a user's mistake: bad input file, unknown quarter, invalid parameters, no command; nothing was changed
3  another run holds the lock for the same quarter
130 interrupted
"""

from __future__ import annotations

import importlib
import sys

from perfkit import __version__
from perfkit.errors import PerfkitError

__all__ = ["main", "COMMANDS"]

# name -> ("module:function", one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("perfkit.run.command:main", "render a quarter's reports into outputs/<quarter>/"),
    "verify": ("perfkit.run:verify_main", "re-render a published quarter and report any difference"),
    "init": ("perfkit.data.scaffold:main", "write a parameters folder for a territorial force"),
    "new-quarter": ("perfkit.config.quarter:new_quarter_main", "scaffold a quarter's parameters and narrative files"),
    "ingest": ("perfkit.data.ingest:main", "add downloaded data files to the store"),
    "counts": ("perfkit.data:counts_main", "print monthly counts from the store as CSV"),
    "synth": ("perfkit.data.synth:main", "write a synthetic data.police.uk archive (for benchmarks)"),
    "a11y": ("perfkit.present.a11y:main", "check published pages for accessibility (axe-core in headless Chromium)"),
    "cache": ("perfkit.config.cache:main", "show or clear what is kept between runs (evidence, shared counts, seasonal)"),
}


def _usage() -> str:
    width = max(len(n) for n in COMMANDS)
    lines = ["usage: perfkit <command> [options]", "       perfkit --version", "", "commands:"]
    lines += [f"  {name:<{width}}  {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += ["", "`perfkit <command> --help` describes a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; return its exit code (never raise for a user's mistake)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print(_usage(), file=sys.stderr)
        return 2
    if argv[0] in {"-h", "--help", "help"}:
        print(_usage())
        return 0
    if argv[0] in {"-V", "--version"}:
        print(f"perfkit {__version__}")
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"perfkit: unknown command {name!r}; expected one of: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    target, _ = COMMANDS[name]
    module_name, func_name = target.split(":")
    try:
        func = getattr(importlib.import_module(module_name), func_name)
        return int(func(rest) or 0)
    except PerfkitError as exc:
        print(f"perfkit {name}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"perfkit {name}: interrupted", file=sys.stderr)
        return 130
