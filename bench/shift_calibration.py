"""Check the recording-change estimates on real data: placebo dates, then known changes.

Two questions about :func:`perfkit.stats.caveats.estimate_shift`, answered on the real data in
``../shared/data`` (not shipped; this script needs it):

1. Placebo dates. At dates where no recording change is known, how often does the 95% interval
   exclude 1? It should be about 5%. Measured on data.police.uk monthly counts (43 territorial
   forces, crime types no register entry touches, three dates) and on ONS rolling 12-month
   totals (43 forces, offences no register entry touches, two dates), under the calibrated
   interval the function reports and, for comparison, under the model's own interval and the
   other calibration rules of :func:`perfkit.stats.calibration.interval_under`. X-13's own level-shift
   estimate (regARIMA) is checked on a sample of the monthly placebo cases too.
2. Known changes the project's code was not tuned on, with a year of data after them: the April
   2015 harassment offences in ONS "Stalking and harassment" (nationally and by force) and in
   data.police.uk "Violence and sexual offences" (the six eastern forces whose 2014 street files
   are in the shared data). The April 2018 conduct-crime rule has at most nine months after it
   in the data, too few to size (estimate_shift says so).

    .venv/bin/python bench/shift_calibration.py [--data FOLDER] [--quick] [--jobs N]

``--quick`` uses fewer placebo cases (as the test does). It prints tables; nothing is asserted
(``tests/test_shift_calibration.py`` asserts the same checks, on the quick set).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from perfkit.stats import calibration, seasonal  # noqa: E402
from perfkit.data import sources  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"

#: data.police.uk crime types that no entry of params/caveats.yaml touches between 2015 and 2018.
PLACEBO_TYPES = ["Burglary", "Criminal damage and arson", "Drugs", "Shoplifting", "Vehicle crime",
                 "Other theft", "Robbery", "Bicycle theft"]
PLACEBO_MONTHS = ["2016-04", "2016-10", "2017-06"]
#: ONS offences that no register entry touches between 2009 and 2014.
PLACEBO_OFFENCES = ["Bicycle theft", "Criminal damage and arson", "Robbery", "Shoplifting",
                    "Vehicle offences", "Theft from the person", "Drug offences", "All other theft offences"]
PLACEBO_QUARTER_STARTS = ["2011-04", "2012-04"]
QUICK = {"types": PLACEBO_TYPES[:3], "months": PLACEBO_MONTHS[:2],
         "offences": PLACEBO_OFFENCES[:3], "starts": PLACEBO_QUARTER_STARTS}
RULES = ["calibrated", "model", "quadrature"]


def monthly(data: Path, crime_type: str) -> dict[str, pd.Series]:
    return calibration.counts_by_force(sources.read_counts(data / "police-uk-force-month-2015-2018.csv"), crime_type)


def rolling(data: Path, offence: str) -> dict[str, pd.Series]:
    return calibration.rolling_by_force(sources.read_prc(data / "ons-rec-crime-pfa.csv"), offence)


#: The Cambridgeshire partial feed of May 2018 (params/caveats.yaml) is left out of its series.
EXCLUDE = {"cambridgeshire": ["2018-05"]}


def _monthly_placebo(args: tuple[Path, str, list[str]]) -> pd.DataFrame:
    data, crime_type, months = args
    table = calibration.estimates(monthly(data, crime_type), months, exclude=EXCLUDE)
    return table.assign(crime_type=crime_type)


def _rolling_placebo(args: tuple[Path, str, list[str]]) -> pd.DataFrame:
    data, offence, starts = args
    table = calibration.estimates(rolling(data, offence), starts, kind="rolling-year")
    return table.assign(offence=offence)


def _x13_placebo(data: Path, crime_types: list[str], months: list[str], per_type: int) -> tuple[int, int, int]:
    """X-13's level-shift interval at placebo dates: (excluding 1, estimated, X-13 failed)."""
    hits = n = failed = 0
    for crime_type in crime_types:
        for name, values in list(monthly(data, crime_type).items())[:per_type]:
            for at in months:
                try:
                    res = seasonal.adjust(values, method="x13", shifts=[at], cache=False)
                except RuntimeError:  # X-13 could not fit this series (adjust "auto" would use STL)
                    failed += 1
                    continue
                for s in res.diagnostics["x13_level_shifts"]:
                    n += 1
                    lo, hi = s.interval
                    null = 1.0 if s.scale == "ratio" else 0.0
                    hits += lo > null or hi < null
    return hits, n, failed


def known_changes(data: Path) -> list[dict]:
    """Each known change with a year of data after it: national (or summed) and by-force estimates."""
    out = []
    harassment = rolling(data, "Stalking and harassment")
    nat = calibration.estimates({"England and Wales": calibration.national(harassment)}, ["2015-04"],
                                kind="rolling-year", other_shifts=["2018-04"])
    by_force = calibration.estimates(harassment, ["2015-04"], kind="rolling-year", other_shifts=["2018-04"])
    out.append({"change": "2015-04 harassment offences, ONS stalking and harassment (rolling 12-month totals)",
                "direction": "up", "national": nat, "forces": by_force, "total": "England and Wales"})
    early = calibration.street_counts(data / "police-uk-street-2014", "Violence and sexual offences")
    later = monthly(data, "Violence and sexual offences")
    wide = pd.concat([early, pd.DataFrame({f: later[f] for f in early.columns})])
    wide = wide.reindex(pd.period_range(wide.index.min(), wide.index.max(), freq="M"))
    total = calibration.estimates({"six forces": wide.sum(axis=1, min_count=len(wide.columns))}, ["2015-04"],
                                  other_shifts=["2018-04"], exclude={"six forces": ["2018-05"]})
    parts = calibration.estimates({f: wide[f] for f in wide.columns}, ["2015-04"], other_shifts=["2018-04"],
                                  exclude=EXCLUDE)
    out.append({"change": "2015-04 harassment offences, data.police.uk violence and sexual offences (monthly, "
                          "the six eastern forces with 2014 street files)",
                "direction": "up", "national": total, "forces": parts, "total": "six forces together"})
    return out


def _pct(x: float) -> str:
    return f"{x * 100:5.1f}%"


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with the shared CSVs")
    parser.add_argument("--quick", action="store_true", help="the smaller placebo set the test uses")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    if not (args.data / "police-uk-force-month-2015-2018.csv").is_file():
        print(f"bench/shift_calibration.py: {args.data} does not hold the shared data this check needs")
        return 2
    sets = QUICK if args.quick else {"types": PLACEBO_TYPES, "months": PLACEBO_MONTHS,
                                     "offences": PLACEBO_OFFENCES, "starts": PLACEBO_QUARTER_STARTS}
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        month_tables = list(pool.map(_monthly_placebo, [(args.data, t, sets["months"]) for t in sets["types"]]))
        roll_tables = list(pool.map(_rolling_placebo, [(args.data, o, sets["starts"]) for o in sets["offences"]]))
    placebo = {"data.police.uk monthly counts": pd.concat(month_tables),
               "ONS rolling 12-month totals": pd.concat(roll_tables)}
    print("1. Placebo dates: share of 95% intervals excluding 1 (nominal 5%)")
    print(f"   {'series':34s} {'cases':>6s} " + " ".join(f"{r:>11s}" for r in RULES))
    for label, table in placebo.items():
        done = int((table["skipped"] == "").sum())
        rates = " ".join(f"{_pct(calibration.false_positive_rate(table, r)):>11s}" for r in RULES)
        print(f"   {label:34s} {done:6d} {rates}")
    hits, n, failed = _x13_placebo(args.data, sets["types"][:2], sets["months"][:2], per_type=10 if args.quick else 43)
    print(f"   X-13's own regARIMA level-shift interval, {n} monthly cases: {_pct(hits / n if n else float('nan'))}"
          f" (X-13 could not fit {failed} more)")

    print("\n2. Known changes (calibrated intervals)")
    for case in known_changes(args.data):
        nat = case["national"].iloc[0]
        f = calibration.found(case["forces"], case["direction"])
        print(f"   {case['change']}, expected {case['direction']}")
        if nat["skipped"]:
            print(f"     {case['total']}: not estimated ({nat['skipped']})")
        else:
            print(f"     {case['total']}: ratio {nat['ratio']:.2f} (95% interval {nat['ci_low']:.2f} to "
                  f"{nat['ci_high']:.2f}; model alone {calibration.interval_under(case['national'], 'model')['ci_low'].iloc[0]:.2f}"
                  f" to {calibration.interval_under(case['national'], 'model')['ci_high'].iloc[0]:.2f})")
        print(f"     forces: {f['right']} of {f['n']} find it, {f['wrong']} the wrong way; median ratio {f['median_ratio']:.2f}")
    harassment = calibration.national(rolling(args.data, "Stalking and harassment"))
    try:
        calibration.caveats.estimate_shift(harassment, "2018-04", kind="rolling-year")
    except ValueError as exc:
        print(f"   2018-04 conduct crimes, ONS stalking and harassment: not sized ({exc})")
    print(f"\nTime: {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
