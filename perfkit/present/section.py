"""What a report section returns: its frames, its figures and its HTML.

Every section method of :class:`perfkit.reports.report.ObjectiveReport`, :class:`perfkit.reports.deepdive.DeepDive`
and :class:`perfkit.reports.datapack.DataPack` returns a :class:`Section`. A notebook cell that ends with
the call displays it (each part through its ``_repr_mimebundle_``, with the edition metadata the
export reads), so the executed notebook and the exported page are what they were when the methods
displayed their HTML themselves. An analyst keeps the object and works with what is behind it::

    s = report.outcomes()
    s.data["burglary/monthly"]      # the monthly series behind the chart (recorded, adjusted)
    s.data["burglary/spc"]          # the SPC table: value, mean, limits, special-cause flags

``data`` keys are ``<measure id>/<what>`` for a measure and ``<what>`` for a table of the whole
section; :meth:`Section.keys` lists them.

Examples
--------
>>> s = Section("demo")
>>> s.html("<p>Hello</p>")
>>> s.data["numbers"] = __import__("pandas").DataFrame({"a": [1]})
>>> s._repr_mimebundle_()[0]["text/html"]
'<p>Hello</p>'
>>> s.keys()
['numbers']
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Part", "Section", "section", "section_names", "report_repr"]


@dataclass(frozen=True)
class Part:
    """One output of a section: HTML or markdown, for both editions or one (``'board'``/``'public'``)."""

    content: str
    mime: str = "text/html"
    edition: "str | None" = None

    def _repr_mimebundle_(self, include=None, exclude=None):
        from perfkit.present.display import EDITION_KEY

        metadata = {EDITION_KEY: {"edition": self.edition}} if self.edition else {}
        return {self.mime: str(self.content)}, metadata


@dataclass
class Section:
    """A report section: ``parts`` (what is shown), ``data`` (name -> DataFrame behind it) and
    ``figures`` (name -> matplotlib figure, closed once encoded; ``fig.savefig`` still works)."""

    name: str
    parts: list = field(default_factory=list)
    data: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)

    # --- building ---------------------------------------------------------------------------------
    def html(self, fragment, *, edition: "str | None" = None) -> None:
        """Add an HTML fragment (rendered by :func:`perfkit.present.display.render`); empty ones are skipped."""
        if fragment:
            self.parts.append(Part(str(fragment), "text/html", edition))

    def markdown(self, text: str, *, edition: "str | None" = None) -> None:
        """Add markdown (the analysts' narrative, a page heading)."""
        if text:
            self.parts.append(Part(text, "text/markdown", edition))

    def extend(self, other: "Section", *, prefix: str = "") -> None:
        """Add another section's parts, frames and figures (frames and figures under ``prefix``)."""
        self.parts.extend(other.parts)
        self.data.update({prefix + k: v for k, v in other.data.items()})
        self.figures.update({prefix + k: v for k, v in other.figures.items()})

    # --- reading ------------------------------------------------------------------------------------
    def keys(self) -> list:
        """The names of the frames behind the section."""
        return list(self.data)

    def html_for(self, edition: "str | None" = None) -> str:
        """The section's HTML as one edition shows it (``None``: every part)."""
        return "\n".join(p.content for p in self.parts
                         if p.mime == "text/html" and (edition is None or p.edition in (None, edition)))

    def __str__(self) -> str:
        return self.html_for()

    def __repr__(self) -> str:
        return (f"Section({self.name!r}: {len(self.parts)} outputs, data={self.keys()}, "
                f"figures={list(self.figures)})")

    def _repr_mimebundle_(self, include=None, exclude=None):
        """The whole section as one bundle: its HTML parts (and its markdown, as ``text/markdown``),
        with the edition metadata when every part belongs to one edition. IPython itself uses
        :meth:`_ipython_display_`, which shows each part through its own ``_repr_mimebundle_`` and
        so keeps the edition of each."""
        from perfkit.present.display import EDITION_KEY

        bundle = {"text/plain": repr(self)}
        html = self.html_for()
        if html:
            bundle["text/html"] = html
        markdown = "\n\n".join(p.content for p in self.parts if p.mime == "text/markdown")
        if markdown:
            bundle["text/markdown"] = markdown
        editions = {p.edition for p in self.parts}
        metadata = {EDITION_KEY: {"edition": editions.pop()}} if len(editions) == 1 and None not in editions else {}
        return bundle, metadata

    def _ipython_display_(self):
        from IPython.display import display

        for part in self.parts:
            display(part)


def section(name: str):
    """Decorator for a report method that fills a :class:`Section`: the method receives the new
    section as its first argument after ``self`` and the decorator returns it. The report's evidence
    model is looked up again first (:meth:`perfkit.reports.report.ReportContext.refresh`), so an edited
    register or a new ingest shows on the next call.

    The method keeps its name and docstring (``functools.wraps``) and shows its true signature, as
    it is called: without ``out``, returning a :class:`Section` (``help(report.evidence)`` reads
    ``evidence(self) -> Section``)."""

    def wrap(method):
        @functools.wraps(method)
        def run(self, *args, **kwargs) -> Section:
            ctx = getattr(self, "ctx", self)
            if hasattr(ctx, "refresh"):
                ctx.refresh()
            out = Section(name)
            method(self, out, *args, **kwargs)
            return out

        signature = inspect.signature(method)
        params = list(signature.parameters.values())
        run.__signature__ = signature.replace(parameters=params[:1] + params[2:], return_annotation=Section)
        run.__annotations__ = {**{k: v for k, v in method.__annotations__.items() if k not in ("out", "return")},
                               "return": Section}
        run.section_name = name
        return run

    return wrap


def section_names(report) -> list:
    """The section methods of a report object, in the order its class defines them."""
    seen, names = set(), []
    for cls in reversed(type(report).__mro__):
        for attr, value in vars(cls).items():
            if getattr(value, "section_name", None) and attr not in seen:
                seen.add(attr)
                names.append(attr)
    return names


def report_repr(report, what: str) -> str:
    """A report object's repr: its class, ``what`` it reports on and its section methods, e.g.
    ``<ObjectiveReport: objective 1, ..., 2018/19 Quarter 2; sections: header(), narrative(), ...>``."""
    calls = ", ".join(f"{n}()" for n in section_names(report))
    return f"<{type(report).__name__}: {what}; sections: {calls}>"


def frame_of(series: "pd.Series", name: str = "value") -> pd.DataFrame:
    """A monthly series as a frame indexed by month (for :attr:`Section.data`)."""
    return series.rename(name).rename_axis("month").to_frame()
