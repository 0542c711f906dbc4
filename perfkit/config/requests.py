"""The Commissioner's requests register: ``params/requests.yaml`` and the analysts' answers.

The framework lets the Commissioner ask at any time for an in-depth report on an element of
performance. Each request is recorded once, in ``params/requests.yaml``, and carried from quarter to
quarter until it is answered or withdrawn::

    requests:
      - id: R2018-01
        title: Bicycle theft across the force
        asked: 2018-06-14
        asked_by: commissioner          # commissioner, board or working-group
        element:
          crime_types: [Bicycle theft]  # or measures: [robbery, burglary]
          districts: [Cambridge]        # optional: districts of the Plan (default the whole force)
          period: {from: 2015-01}       # optional: the months the long-run view starts (and ends)
        questions:
          - Is bicycle theft rising, or is the rise seasonal?
        due: 2018-19-Q2
        status: answered                # open, answered or withdrawn
        answer: requests/R2018-01.md    # under params/ (default requests/<id>.md)

An answered request's file holds the analysts' answer to each question, under headings ``## 1``,
``## 2``...; text before the first heading is a summary. It is narrative like the quarter's:
``<!-- example -->`` marks example text, ``::: restricted`` passages reach the Board edition only.
A withdrawn request keeps its ``reason``.

:func:`load_requests` validates the file against the Plan (every measure and district named must be
the Plan's); what needs the data (a crime type, a period inside the store's months) is checked by
:func:`perfkit.evidence.requests.check_requests`. Every message names the file, the request and the key.

Examples
--------
>>> from perfkit.config.plan import load_plan
>>> register = load_requests(load_plan())
>>> [r.status for r in register]
['answered', 'open']
>>> register.get("R2018-02").due.id
'2018-19-Q3'
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from perfkit import config
from perfkit.config.params import Node, content_key, load_yaml
from perfkit.config.plan import Plan
from perfkit.config.quarter import Narrative, _COMMENT, _EXAMPLE, _RESTRICTED
from perfkit.errors import ConfigError
from perfkit.periods import Quarter, parse_month, parse_quarter

__all__ = ["Request", "Element", "Answer", "RequestRegister", "load_requests", "load_answer", "request_status",
           "ASKED_BY", "STATUSES", "FILE"]

#: The register's file, under the parameters folder.
FILE = "requests.yaml"

#: Who can ask for an in-depth report (the key's value -> how pages name them).
ASKED_BY = {"commissioner": "the Commissioner", "board": "the Board", "working-group": "the performance working group"}

#: A request's status.
STATUSES = ("open", "answered", "withdrawn")

_REQUEST_KEYS = {"id", "title", "asked", "asked_by", "element", "questions", "due", "status", "answer", "reason"}
_ELEMENT_KEYS = {"measures", "crime_types", "districts", "period"}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_HEADING = re.compile(r"^##\s+(?:Question\s+)?(\d+)\b[^\n]*$", re.MULTILINE | re.IGNORECASE)


@dataclass(frozen=True)
class Element:
    """What a request is about: Plan measures or data.police.uk crime types, in some districts
    (none: the whole force), over a period (``start``/``end`` months, or None: the whole series)."""

    measures: tuple[str, ...] = ()
    crime_types: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    start: "object | None" = None
    end: "object | None" = None

    def describe(self, plan: "Plan | None" = None) -> str:
        """The element in words: "<crime types>, <districts>, from <month>"."""
        what = ([plan.measure(m).title if plan else m for m in self.measures] if self.measures
                else list(self.crime_types))
        where = " and ".join(self.districts) if self.districts else (plan.area_name if plan else "the force area")
        text = f"{_and(what)}, {where}"
        if self.start is not None:
            text += f", from {self.start.strftime('%B %Y')}"
        if self.end is not None:
            text += f" to {self.end.strftime('%B %Y')}"
        return text


def _and(items: list) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True)
class Request:
    """One request of the register (see the module docstring for each key).

    Attributes
    ----------
    id, title : str
    asked : datetime.date
    asked_by : str
        A key of :data:`ASKED_BY`.
    element : Element
    questions : tuple of str
    due : Quarter
        The quarter whose Board the report is due at.
    status : str
        One of :data:`STATUSES`.
    answer : str
        The answer file, relative to the parameters folder (answered requests).
    reason : str
        Why it was withdrawn.
    where : str
        ``params/requests.yaml: requests[0]``, for messages.
    """

    id: str
    title: str
    asked: _dt.date
    asked_by: str
    element: Element
    questions: tuple[str, ...]
    due: Quarter
    status: str
    answer: str = ""
    reason: str = ""
    where: str = field(default="", compare=False)

    @property
    def slug(self) -> str:
        """The report's file stem: ``request-R2018-01``."""
        return f"request-{self.id}"

    @property
    def asked_by_words(self) -> str:
        """Who asked, as pages say it."""
        return ASKED_BY[self.asked_by]

    @property
    def digest(self) -> str:
        """A short digest of what the request's evidence depends on (its element)."""
        return hashlib.sha256(repr(self.element).encode()).hexdigest()[:12]


def request_status(request: Request, quarter: Quarter) -> str:
    """The request's state as the Board's log of ``quarter`` shows it: ``'answered'``, ``'withdrawn'``,
    ``'overdue'`` (open and due before ``quarter``), ``'due'`` (open and due in ``quarter``) or ``'open'``.

    >>> from perfkit.periods import parse_quarter
    >>> r = Request("X", "t", _dt.date(2018, 1, 1), "board", Element(measures=("robbery",)), ("q",),
    ...             parse_quarter("2018-19-Q1"), "open")
    >>> request_status(r, parse_quarter("2018-19-Q2")), request_status(r, parse_quarter("2018-19-Q1"))
    ('overdue', 'due')
    """
    if request.status != "open":
        return request.status
    if request.due < quarter:
        return "overdue"
    return "due" if request.due == quarter else "open"


@dataclass(frozen=True)
class Answer:
    """The analysts' answer to a request: the narrative (sanitised as any other: comments dropped,
    example marker read, restricted passages kept apart) with its summary and one answer per question."""

    narrative: Narrative
    summary: str
    answers: tuple[str, ...]

    @property
    def example(self) -> bool:
        """Whether the file is marked ``<!-- example -->``."""
        return self.narrative.example


class RequestRegister:
    """Every request of ``params/requests.yaml`` in the file's order (iterable; :meth:`get` by id)."""

    def __init__(self, requests, source: str = "", digest: str = ""):
        self.requests = tuple(requests)
        self.source = source
        self.digest = digest

    def __iter__(self):
        return iter(self.requests)

    def __len__(self) -> int:
        return len(self.requests)

    def get(self, request_id: str) -> Request:
        """The request with this id; a :class:`ConfigError` naming the known ids otherwise."""
        for r in self.requests:
            if r.id == request_id:
                return r
        known = ", ".join(r.id for r in self.requests) or "none is recorded"
        raise ConfigError(f"{self.source or FILE}: no request {request_id!r}; expected one of {known}")

    def asked_by(self, quarter: Quarter) -> list[Request]:
        """The requests asked by the end of ``quarter`` (the Board's log of that quarter)."""
        end = quarter.end.to_timestamp(how="end").date()
        return [r for r in self.requests if r.asked <= end]

    def due_in(self, quarter: Quarter) -> list[Request]:
        """The requests whose report renders with ``quarter``'s pack: due then, and not withdrawn."""
        return [r for r in self.requests if r.due == quarter and r.status != "withdrawn"]


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(config.project_root()))
    except ValueError:
        return str(path)


def _date(node: Node, key: str) -> _dt.date:
    value = node.get(key)
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip())
    except ValueError:
        node.fail(f"found {value!r}; expected a date written YYYY-MM-DD", key)


def _element(node: Node, plan: Plan, rid: str) -> Element:
    node.only(_ELEMENT_KEYS)
    measures = tuple(node.str_list("measures", []))
    crime_types = tuple(node.str_list("crime_types", []))
    districts = tuple(node.str_list("districts", []))
    if bool(measures) == bool(crime_types):
        node.fail(f"request {rid}: found {'both' if measures else 'neither'} of 'measures' and 'crime_types'; "
                  "expected one: Plan measure ids, or data.police.uk crime types")
    for i, mid in enumerate(measures):
        if mid not in plan.measures:
            node.fail(f"request {rid}: unknown measure {mid!r}; expected a measure of the Plan: "
                      f"{', '.join(plan.measures)}", f"measures[{i}]")
        if districts and plan.measures[mid].source != "police_uk":
            node.fail(f"request {rid}: measure {mid!r} comes from {plan.measures[mid].source!r} figures, which have "
                      "no districts; expected data.police.uk measures when districts are named", f"measures[{i}]")
    for i, district in enumerate(districts):
        if district not in plan.districts:
            listed = ", ".join(plan.districts) or "none (plan.yaml lists no districts)"
            node.fail(f"request {rid}: found {district!r}, a district {plan.force_name} does not have; expected one "
                      f"of {listed}", f"districts[{i}]")
    start = end = None
    if node.get("period", None) is not None:
        period = node.child("period")
        period.only({"from", "to"})
        try:
            start = parse_month(period.str("from"), f"{period.where('from')}") if period.get("from", None) else None
            end = parse_month(period.str("to"), f"{period.where('to')}") if period.get("to", None) else None
        except ConfigError as exc:
            raise ConfigError(f"request {rid}: {exc}") from None
        if start is None and end is None:
            period.fail(f"request {rid}: found an empty period; expected 'from' and/or 'to' (YYYY-MM)")
        if start is not None and end is not None and end < start:
            period.fail(f"request {rid}: found {end}, before 'from' {start}; expected a period of at least one month",
                        "to")
    return Element(measures, crime_types, districts, start, end)


def _request(node: Node, plan: Plan) -> Request:
    node.only(_REQUEST_KEYS)
    rid = str(node.get("id"))
    if not _ID.fullmatch(rid):
        node.fail(f"found {rid!r}; expected a short id of letters, digits, '-' or '_' (it names the report's file)",
                  "id")
    asked_by = node.get("asked_by")
    if asked_by not in ASKED_BY:
        node.fail(f"request {rid}: found {asked_by!r}; expected one of {', '.join(map(repr, ASKED_BY))}", "asked_by")
    try:
        due = parse_quarter(node.str("due"))
    except ConfigError as exc:
        node.fail(f"request {rid}: {exc}", "due")
    status = node.get("status")
    if status not in STATUSES:
        node.fail(f"request {rid}: found {status!r}; expected one of {', '.join(map(repr, STATUSES))}", "status")
    questions = tuple(node.str_list("questions"))
    if not questions:
        node.fail(f"request {rid}: found no questions; expected at least one", "questions")
    asked = _date(node, "asked")
    if asked > due.end.to_timestamp(how="end").date():
        node.fail(f"request {rid}: asked on {asked}, after the end of {due.label}, the quarter it is due; expected a "
                  "due quarter ending after the date asked", "due")
    answer = node.str("answer", f"requests/{rid}.md")
    reason = node.str("reason", "")
    if status == "withdrawn" and not reason:
        node.fail(f"request {rid}: a withdrawn request keeps its reason; expected the reason as text", "reason")
    if status == "answered":
        path = config.params_dir() / answer
        if not path.is_file():
            node.fail(f"request {rid}: an answered request needs the analysts' answer; found no file "
                      f"{_rel(path)}", "answer")
    return Request(rid, node.str("title"), asked, asked_by, _element(node.child("element"), plan, rid), questions,
                   due, status, answer, reason, node.where())


def load_requests(plan: Plan, path: "Path | str | None" = None) -> RequestRegister:
    """Read and validate ``params/requests.yaml`` (an empty register when the file does not exist).

    Raises
    ------
    ConfigError
        Naming the file, the request and the key: an unknown measure, a district the force does not
        have, a bad date or quarter, an answered request without its answer file (or without an
        answer to each question), a withdrawn one without its reason, two requests with one id.
    """
    path = Path(path) if path else config.params_dir() / FILE
    if not path.exists():
        return RequestRegister((), _rel(path), "")
    raw = load_yaml(path) or {}
    root = Node(raw, _rel(path))
    root.only({"requests"})
    requests: list[Request] = []
    for node in root.children("requests", []):
        request = _request(node, plan)
        if any(r.id == request.id for r in requests):
            node.fail(f"request {request.id}: the id is used twice; expected every id to be unique", "id")
        if request.status == "answered":
            load_answer(request)  # an answer to each question, checked now rather than mid-run
        requests.append(request)
    return RequestRegister(requests, _rel(path), content_key(path))


def load_answer(request: Request) -> "Answer | None":
    """The analysts' answer to ``request`` (``None`` when it is not answered).

    Raises
    ------
    ConfigError
        When the file is not UTF-8, or does not answer each question under ``## 1``, ``## 2``...
    """
    if request.status != "answered":
        return None
    path = config.params_dir() / request.answer
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{request.where}.answer: request {request.id}: found no file {_rel(path)}; expected the "
                          "analysts' answer") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{_rel(path)}: not valid UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    example = bool(_EXAMPLE.search(text))
    text = _COMMENT.sub("", text).strip()
    narrative = Narrative(request.slug, text, _rel(path), tuple(m.group(1).strip() for m in _RESTRICTED.finditer(text)),
                          example)
    marks = list(_HEADING.finditer(text))
    numbers = [int(m.group(1)) for m in marks]
    expected = list(range(1, len(request.questions) + 1))
    if numbers != expected:
        raise ConfigError(f"{_rel(path)}: request {request.id}: found answers headed {numbers or 'nothing'}; expected "
                          f"one section per question, headed '## 1' to '## {len(expected)}', in order")
    summary = text[: marks[0].start()].strip()
    answers = tuple(text[m.end(): (marks[i + 1].start() if i + 1 < len(marks) else len(text))].strip()
                    for i, m in enumerate(marks))
    for n, body in enumerate(answers, 1):
        if not body:
            raise ConfigError(f"{_rel(path)}: request {request.id}: the answer to question {n} is empty; expected the "
                              "analysts' answer under its heading")
    return Answer(narrative, summary, answers)
