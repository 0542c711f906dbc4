"""``perfkit run``: the command line of a run, one force's or every named force's.

It sits beside :mod:`perfkit.run` (one force's run) and :mod:`perfkit.run.national` (many forces on a
dask cluster), which reuses the one-force run's steps; the command is the one place that uses both,
so neither imports the other's caller (no import cycle).
"""

from __future__ import annotations

import sys

from perfkit import config
from perfkit.errors import PerfkitError
from perfkit.run import (EXIT_FAILED, EXIT_OK, _main, _parser, configure_logging, log, release_logging)
from perfkit.run import national

__all__ = ["main"]


def main(argv: list[str]) -> int:
    """``perfkit run``: one force's quarter (:func:`perfkit.run.run_quarter`), or every named force's
    with ``--forces`` (:func:`perfkit.run.national.run_national`)."""
    args = _parser().parse_args(argv)
    if args.scheduler and not args.forces:
        raise PerfkitError("--scheduler: only with --forces (a national run); one force's run uses local processes")
    if args.forces:
        return _national_main(args)
    config.use_locations(args.params, args.store)
    handlers = configure_logging(args.log, args.quarter, quiet=args.quiet)
    try:
        return _main(args, argv, handlers)
    finally:
        release_logging(handlers)


def _national_main(args) -> int:
    """``perfkit run --forces ...``: exit 0 when every force published (or was unchanged), 1 when a
    force failed (the others published; the failed ones are named)."""
    if not args.params or not args.store:
        raise PerfkitError("--forces: expected --params DIR (one parameters folder per force, from `perfkit init "
                           "all`) and --store DIR (the national store)")
    for name in ("only", "deep_dive", "request"):
        if getattr(args, name) not in (None, []):
            raise PerfkitError(f"--{name.replace('_', '-')}: not with --forces (set it in a force's quarter parameters)")
    handlers = configure_logging(args.log, args.quarter, quiet=args.quiet)
    say = (lambda text: None) if args.quiet else (lambda text: print(text, flush=True))

    def progress(text: str) -> None:
        say(text)
        log.info(text, extra={"file_only": True})

    try:
        result = national.run_national(args.forces, args.quarter, params=args.params, store=args.store,
                                       outputs=args.outputs or config.outputs_dir(), scheduler=args.scheduler,
                                       workers=args.jobs, start_timeout=args.start_timeout,
                                       cell_timeout=args.cell_timeout, progress=progress)
    finally:
        release_logging(handlers)
    print(f"{result.quarter}: {len(result.published)} force(s) published, {len(result.unchanged)} unchanged, "
          f"{len(result.failed)} failed, in {result.seconds:.0f}s")
    for force, errors in result.failed.items():
        for name, error in errors.items():
            print(f"perfkit run: {force}: {name} failed: {error}", file=sys.stderr)
    if result.failed:
        print(f"perfkit run: not published (their previous packs are unchanged): {', '.join(result.failed)}",
              file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
