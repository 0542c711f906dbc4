"""The data pack: every measure of the whole Plan in one place, with downloads.

One table per objective (the quarter against the same quarter a year earlier with its interval,
the rolling 12 months, the financial year to date, the rate per residents, the SPC verdict and
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

from perfkit.stats import caveats as caveats_mod
from perfkit.evidence import analysis
from perfkit import config
from perfkit.present import statements, words
from perfkit.present.display import Html, figure, heading, notice, paragraph, render, table_html
from perfkit.data.measures import SOURCE_NOTES, source_note
from perfkit.reports.report import Options, ReportContext, about_figures
from perfkit.present.section import Section, report_repr, section

__all__ = ["DataPack", "measure_rows", "write_csv", "write_workbook"]

#: Columns of the data pack's web tables (the rest are in the CSV and the workbook).
_SHOWN = (
    ("measure", "Measure"), ("quarter_label", "Period"), ("quarter_value", "Figure"),
    ("year_earlier_value", "A year earlier"), ("change_pct", "Change"), ("change_low_pct", "95% interval from"),
    ("change_high_pct", "to"), ("significant", "Statistically significant"),
    ("rolling12_value", "Rolling 12 months"), ("rolling12_change_pct", "Rolling 12 months change"),
    ("ytd_value", "Year to date"), ("rate", "Rate"),
    ("spc_variation", "SPC"), ("data_quality", "Data quality"), ("caveats", "Caveats"),
)


def _rate_cell(row: dict) -> Html:
    """A measure's rate with the population it is per ("76.1 per 1,000 residents"): per 1,000 for
    most measures, per 100,000 or a million for a rare offence (the Plan's ``rate_per``)."""
    return Html(render("rate", rate=figure(row, "rate"), per=words.per_residents(row["rate_per"])))


def measure_rows(ctx: ReportContext, *, include_restricted: bool) -> pd.DataFrame:
    """The data-pack contract (:data:`perfkit.evidence.FIELDS`), one row per Plan measure, read
    from the quarter's evidence model; restricted measures only when ``include_restricted``.
    Figures keep full precision; the ``test`` column is in words (:func:`perfkit.present.words.method_words`)."""
    table = ctx.model.table
    if not include_restricted:
        table = table[table["restricted"] != "yes"]
    table = table.assign(test=[words.method_words(k) for k in table["test"]])
    return table.reset_index(drop=True)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A UTF-8 CSV with LF line endings (the same bytes every time). A whole number is written as
    one (``17086``, ``2018``, ``1000000``, not ``17086.0``); other numbers keep full precision."""
    plain = frame.copy()
    for column in plain.columns:
        if pd.api.types.is_float_dtype(plain[column]):
            plain[column] = pd.Series([int(v) if pd.notna(v) and float(v).is_integer() else v for v in plain[column]],
                                      index=plain.index, dtype=object)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plain.to_csv(index=False, lineterminator="\n").encode("utf-8"))


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
    chart_months, seasonal_method, comparator_group
        The analyst's choices (:class:`perfkit.reports.report.Options`).
    params : str, optional
        Parameters folder (default ``params/``, or ``PERFKIT_PARAMS``).
    requests : str, optional
        Ids of the requests whose in-depth reports render with the pack, comma-separated: their
        elements' rows (:mod:`perfkit.evidence.requests`) follow the Plan's in the downloads, with an
        empty ``objective``, and fill the workbook's Requests sheet.
    """

    def __init__(self, quarter: str = "auto", store: "str | None" = None, downloads_dir: str = "", *,
                 chart_months: int = analysis.CHART_MONTHS, seasonal_method: str = "auto",
                 comparator_group: str = "", params: str = "", requests: str = ""):
        self.ctx = ReportContext.create(quarter, store, Options(chart_months, seasonal_method, comparator_group), params)
        self.requests = tuple(r.strip() for r in str(requests or "").split(",") if r.strip())
        self.downloads_path = Path(downloads_dir) if downloads_dir else config.outputs_dir() / "lab" / self.ctx.quarter.id

    def __repr__(self) -> str:
        return report_repr(self, f"data pack of the whole Plan, {self.ctx.describe()}, downloads to {self.downloads_path}")

    @section("header")
    def header(self, out: Section) -> None:
        """The page's heading."""
        self.ctx.header(out, "Data pack: the whole Plan", "Data pack")

    def _notes_sheet(self) -> pd.DataFrame:
        q = self.ctx.quarter
        lines = [
            ("Title", f"Police and Crime Plan data pack, {q.long_label}"),
            ("Force", self.ctx.plan.force_name),
            ("Status", "Indicators of performance, not targets. Read with the narrative reports."),
            ("Change and interval", "Rate ratio with a 95% interval from a two-sample score test scaled by the "
                                    "measure's own over-dispersion (quasi-Poisson; columns dispersion and test); "
                                    "'significant' is the test's verdict at the 5% level."),
            ("Data quality", "Months left out (a registered data fault, or no data) and how the figures were "
                             "compared: a left-out month is left out of both periods, so they hold the same months."),
            ("SPC", "XmR control chart verdict on the seasonally adjusted series where one exists."),
            ("Rate", "Column rate is per rate_per residents (1,000, or a million for a rare offence such as "
                     "homicide) over the ONS mid-year population of population_year, from rate_months months "
                     "scaled to 12 when fewer."),
            ("Missing data", "A blank cell holds no figure: either none can exist (the official statistics are "
                             "12-month totals with no quarter; a small count is given no percentage change), marked "
                             "[z] on the web page, or none is available, marked [x]. A month with no data is never "
                             "counted as zero."),
        ]
        lines += [(f"Source: {s}", source_note(s, self.ctx.plan)) for s in SOURCE_NOTES]
        lines.append(("Licence", "Contains public sector information licensed under the Open Government Licence v3.0."))
        return pd.DataFrame(lines, columns=["Item", "Note"])

    def request_rows(self) -> pd.DataFrame:
        """The rows of the requests' elements that are not Plan measures as they stand (those are in
        the Plan's rows already), in the columns of :data:`perfkit.evidence.FIELDS`."""
        from perfkit.config.requests import load_requests
        from perfkit.evidence import FIELDS
        from perfkit.evidence import requests as request_evidence

        register = load_requests(self.ctx.plan)
        frames = [request_evidence.load(self.ctx.plan, self.ctx.quarter, register.get(rid), self.ctx.store,
                                        options=self.ctx.options).table for rid in self.requests]
        frames = [f[~f["measure_id"].isin(self.ctx.plan.measures)] for f in frames]
        return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(FIELDS)))

    def _write(self, include_restricted: bool, folder: Path) -> None:
        table = measure_rows(self.ctx, include_restricted=include_restricted)
        extra = self.request_rows() if self.requests else None
        if extra is not None and len(extra):
            # objective stays a whole number for the Plan's rows; empty for a request's element
            table = pd.concat([table.astype({"objective": "Int64"}), extra.astype({"objective": "Int64"})],
                              ignore_index=True)
        write_csv(table, folder / "data-pack.csv")
        sheets = {f"Objective {o.number}": table[table["objective"] == o.number].drop(columns="objective")
                  for o in self.ctx.plan.objectives}
        if extra is not None and len(extra):
            sheets["Requests"] = extra.drop(columns="objective")
        sheets["Caveats"] = caveats_mod.register_table(caveats_mod.current_register())
        sheets["Notes"] = self._notes_sheet()
        stamp = self.ctx.quarter.end.to_timestamp(how="end").strftime("%Y-%m-%dT00:00:00Z")
        write_workbook(sheets, folder / "data-pack.xlsx", stamp=stamp)

    @section("downloads")
    def downloads(self, out: Section) -> None:
        """Write the CSV and Excel files and link them; ``data["data_pack"]`` is the public table."""
        self._write(False, self.downloads_path)
        self._write(True, self.downloads_path / "board")
        out.data["data_pack"] = measure_rows(self.ctx, include_restricted=False)
        out.html(render("downloads", xlsx="data-pack.xlsx", csv="data-pack.csv"))

    @section("objective tables")
    def objective_tables(self, out: Section) -> None:
        """One table per objective (restricted measures in the Board edition only); ``data`` holds
        ``objective-<n>`` (the public edition's rows) and ``board/objective-<n>``."""
        for edition, include in (("public", False), ("board", True)):
            table = measure_rows(self.ctx, include_restricted=include)
            blocks = []
            for objective in self.ctx.plan.objectives:
                part = table[table["objective"] == objective.number]
                # a cell without a figure says whether none exists ([z]) or it is not available ([x])
                shown = pd.DataFrame([
                    {title: (row[f] if f in ("measure", "quarter_label", "data_quality", "caveats") or not isinstance(row[f], (int, float, str))
                             else _rate_cell(row) if f == "rate" else figure(row, f))
                     if not (isinstance(row[f], float) and pd.isna(row[f]))
                     else "" if f in ("data_quality", "caveats") else statements.absent_mark(row, f)
                     for f, title in _SHOWN}
                    for row in part.to_dict("records")], columns=[t for _, t in _SHOWN])
                out.data[("" if edition == "public" else "board/") + f"objective-{objective.number}"] = \
                    part.reset_index(drop=True)
                blocks.append(heading(f"Objective {objective.number}: {objective.title}", 3))
                blocks.append(table_html(shown, f"Objective {objective.number}: every measure, {self.ctx.quarter.label}"))
            blocks[:0] = [paragraph("In these tables a cell without a figure holds one of two marks:"),
                          render("list", items=[f"{mark} {meaning}." for mark, meaning in statements.SHORTHAND.items()], css="")]
            has_restricted = any(m.restricted for m in self.ctx.plan.measures.values())
            out.html("\n".join(blocks), edition=edition if has_restricted else None)
            if not has_restricted:
                break

    @section("caveats log")
    def caveats_log(self, out: Section) -> None:
        """The recording-change register as an assumptions-and-caveats log (``data["caveats"]``)."""
        register = caveats_mod.current_register()
        table = caveats_mod.register_table(register)
        out.data["caveats"] = table
        # The page shows the columns a reader needs; every column is in the workbook's Caveats sheet.
        shown = table[["id", "date", "kind", "title", "caveat"]].rename(columns={
            "id": "Id", "date": "Date", "kind": "Kind", "title": "Change", "caveat": "What it means for the figures"})
        out.html(table_html(shown, "Assumptions and caveats log: changes in crime recording and data faults"))
        out.html(paragraph("Every column of the log (measures, crime types, offence groups and totals affected, and what "
                           "is re-classified within a total without changing it; expected direction, source, "
                           "quality, impact and how it is modelled) is in the Caveats sheet of the Excel data pack."))

    @section("about")
    def about(self, out: Section) -> None:
        """Data sources and methods; a neutral line when the force's own figures are not available."""
        about_figures(out, self.ctx, list(self.ctx.plan.measures.values()))
        if not any(m.source == "local" and self.ctx.evidence(m).series.available for m in self.ctx.plan.measures.values()):
            local = [m.title.lower() for m in self.ctx.plan.measures.values() if m.source == "local"]
            if local:
                out.html(notice(f"Figures from the force's own systems ({words.join(local)}) are not available in "
                                "this pack.", kind="missing"))
