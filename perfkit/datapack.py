"""The data pack: every measure of the whole Plan in one place, with downloads.

One table per objective (the quarter against the same quarter a year earlier with its interval,
the rolling 12 months, the financial year to date, the rate per 1,000 residents, the SPC verdict and
the caveats), the caveat register as an assumptions-and-caveats log, and downloads: a CSV of every
figure and an Excel workbook with a sheet per objective, a caveats sheet and a notes sheet.

The public edition's downloads leave out restricted measures; the Board edition's (under
``board/``) hold everything. Files are byte-reproducible: the workbook's timestamps are fixed to
the quarter's end.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from perfkit import caveats as caveats_mod
from perfkit import config
from perfkit.display import escape, notice, show, table_html
from perfkit.measures import SOURCE_NOTES
from perfkit.report import ReportContext, about_figures

__all__ = ["DataPack", "measure_rows", "write_csv", "write_workbook"]

_SPC_WORDS = {
    "common_cause": "common-cause variation only",
    "improvement": "special cause: improvement",
    "concern": "special cause: concern",
    "neutral": "special cause (no direction is better)",
}


def _change(cmp) -> tuple:
    if cmp is None or pd.isna(getattr(cmp, "ratio", float("nan"))):
        return (None, None, None, "")
    low, high = (cmp.ci_low - 1) * 100, (cmp.ci_high - 1) * 100
    verdict = "yes" if cmp.significant else "no"
    return (round(cmp.change, 1), round(low, 1), round(high, 1), verdict)


def measure_rows(ctx: ReportContext, *, include_restricted: bool) -> pd.DataFrame:
    """One row per measure of the Plan: every figure the data pack shows."""
    rows = []
    for objective in ctx.plan.objectives:
        for outcome in objective.outcomes:
            for measure in outcome.measures:
                if measure.restricted and not include_restricted:
                    continue
                ev = ctx.evidence(measure)
                q_cmp, r_cmp, y_cmp = ev.quarter_comparison, ev.rolling_comparison, ev.ytd_comparison
                q_change, q_low, q_high, q_sig = _change(q_cmp)
                r_change, _, _, r_sig = _change(r_cmp)
                y_change, _, _, _ = _change(y_cmp)
                rows.append({
                    "Objective": objective.number,
                    "Measure id": measure.id,
                    "Measure": measure.title,
                    "Unit": measure.unit,
                    "Quarter": ev.quarter_value if pd.notna(ev.quarter_value) else None,
                    "Same quarter last year": q_cmp.count_ref if q_cmp is not None else None,
                    "Change (%)": q_change,
                    "95% interval low (%)": q_low,
                    "95% interval high (%)": q_high,
                    "Statistically significant": q_sig,
                    "Rolling 12 months": r_cmp.count if r_cmp is not None else None,
                    "Rolling 12 months change (%)": r_change,
                    "Year to date": y_cmp.count if y_cmp is not None else None,
                    "Year to date change (%)": y_change,
                    "Rate per 1,000 residents (12 months)": round(ev.rate_per_1000, 2) if pd.notna(ev.rate_per_1000) else None,
                    "SPC": _SPC_WORDS.get(getattr(ev.spc, "icon", None), "no control chart") if ev.spc is not None else "no control chart",
                    "Caveats": "; ".join(f"{c.ref} {c.title}" for c in ev.caveats),
                    "Notes": " ".join(ev.series.notes),
                })
    return pd.DataFrame(rows)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A UTF-8 CSV with LF line endings (the same bytes every time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))


def _fixed_zip(raw: bytes, stamp: str) -> bytes:
    """Rewrite an xlsx so that nothing in it depends on when it was written."""
    source = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                                 lambda m: m.group(1) + stamp.encode() + m.group(3), content)
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, content)
    source.close()
    return out.getvalue()


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path, *, stamp: str) -> None:
    """An Excel workbook, one sheet per entry, with fixed document timestamps (``stamp``, ISO 8601)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        ws.append([str(c) for c in frame.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for record in frame.itertuples(index=False):
            ws.append([None if (isinstance(v, float) and pd.isna(v)) else (v.item() if hasattr(v, "item") else v)
                       for v in record])
        for column in ws.columns:
            width = max(len(str(c.value or "")) for c in column[:200])
            ws.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
        ws.freeze_panes = "A2"
    wb.properties.creator = "perfkit"
    buffer = io.BytesIO()
    wb.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_fixed_zip(buffer.getvalue(), stamp))


class DataPack:
    """The quarter's data pack.

    Parameters
    ----------
    quarter : str
        Quarter id or ``'auto'``.
    store : str, optional
        Data store folder.
    downloads_dir : str, optional
        Where the public CSV and Excel files are written (the Board edition's go to ``board/``
        inside it); default ``outputs/lab/<quarter>/`` for interactive use.
    """

    def __init__(self, quarter: str = "auto", store: "str | None" = None, downloads_dir: str = ""):
        self.ctx = ReportContext.create(quarter, store)
        self.downloads_path = Path(downloads_dir) if downloads_dir else config.outputs_dir() / "lab" / self.ctx.quarter.id

    def header(self) -> None:
        self.ctx.header("Data pack: the whole Plan", "Data pack")

    def _notes_sheet(self) -> pd.DataFrame:
        q = self.ctx.quarter
        lines = [
            ("Title", f"Police and Crime Plan data pack, {q.long_label}"),
            ("Force", self.ctx.plan.force_name),
            ("Status", "Indicators of performance, not targets. Read with the narrative reports."),
            ("Change and interval", "Rate ratio with a 95% interval from a two-sample Poisson score test; "
                                    "'Statistically significant' is the test's verdict at the 5% level."),
            ("SPC", "XmR control chart verdict on the seasonally adjusted series where one exists."),
            ("Missing data", "Blank cells mean no data; a month with no data is never counted as zero."),
        ]
        lines += [(f"Source: {s}", note) for s, note in SOURCE_NOTES.items()]
        lines.append(("Licence", "Contains public sector information licensed under the Open Government Licence v3.0."))
        return pd.DataFrame(lines, columns=["Item", "Note"])

    def _write(self, include_restricted: bool, folder: Path) -> None:
        table = measure_rows(self.ctx, include_restricted=include_restricted)
        write_csv(table, folder / "data-pack.csv")
        sheets = {f"Objective {o.number}": table[table["Objective"] == o.number].drop(columns="Objective")
                  for o in self.ctx.plan.objectives}
        sheets["Caveats"] = caveats_mod.register_table(caveats_mod.load_register())
        sheets["Notes"] = self._notes_sheet()
        stamp = self.ctx.quarter.end.to_timestamp(how="end").strftime("%Y-%m-%dT00:00:00Z")
        write_workbook(sheets, folder / "data-pack.xlsx", stamp=stamp)

    def downloads(self) -> None:
        """Write the CSV and Excel files and link them."""
        self._write(False, self.downloads_path)
        self._write(True, self.downloads_path / "board")
        show('<ul class="downloads"><li><a href="data-pack.xlsx">Data pack as an Excel workbook</a> '
             "(a sheet per objective, the caveats log and notes on sources and licence)</li>"
             '<li><a href="data-pack.csv">Data pack as CSV</a> (every measure in one table)</li></ul>')

    def objective_tables(self) -> None:
        """One table per objective (restricted measures in the Board edition only)."""
        for edition, include in (("public", False), ("board", True)):
            table = measure_rows(self.ctx, include_restricted=include)
            blocks = []
            for objective in self.ctx.plan.objectives:
                part = table[table["Objective"] == objective.number]
                shown = part[["Measure", "Quarter", "Same quarter last year", "Change (%)", "95% interval low (%)",
                              "95% interval high (%)", "Statistically significant", "Rolling 12 months",
                              "Year to date", "Rate per 1,000 residents (12 months)", "SPC", "Caveats"]]
                blocks.append(f"<h3>Objective {objective.number}: {escape(objective.title)}</h3>")
                blocks.append(table_html(shown, f"Objective {objective.number}: every measure, {self.ctx.quarter.label}"))
            has_restricted = any(m.restricted for m in self.ctx.plan.measures.values())
            show("\n".join(blocks), edition=edition if has_restricted else None)
            if not has_restricted:
                break

    def caveats_log(self) -> None:
        """The recording-change register as an assumptions-and-caveats log."""
        register = caveats_mod.load_register()
        table = caveats_mod.register_table(register)
        show(table_html(table, "Assumptions and caveats log: changes in crime recording"))

    def about(self) -> None:
        about_figures(self.ctx, list(self.ctx.plan.measures.values()))
        if not any(m.source == "local" and self.ctx.evidence(m).series.available for m in self.ctx.plan.measures.values()):
            show(notice("Measures from the force's own systems (call handling, victim satisfaction, budget, domestic "
                        "abuse) have no figures in this pack: none has been supplied as a local data file.", kind="missing"))
