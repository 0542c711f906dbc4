"""The Commissioner's requests: the register validated at load, the Board's log, the in-depth report
(its marked figures are the data pack's rows for the element) and the Board pack as a tagged,
reproducible PDF."""

from __future__ import annotations

import hashlib
import json
import shutil

import pandas as pd
import pytest
import yaml

from perfkit.config.plan import load_plan
from perfkit.config.requests import load_answer, load_requests, request_status
from perfkit.errors import ConfigError
from perfkit.periods import parse_quarter

from conftest import DEFAULT_QUARTER, ROOT

Q2, Q3 = parse_quarter("2018-19-Q2"), parse_quarter("2018-19-Q3")


@pytest.fixture
def params(tmp_path, monkeypatch):
    """A copy of params/ in use (PERFKIT_PARAMS) and a function writing its requests.yaml."""
    dest = tmp_path / "params"
    shutil.copytree(ROOT / "params", dest)
    monkeypatch.setenv("PERFKIT_PARAMS", str(dest))
    shipped = yaml.safe_load((dest / "requests.yaml").read_text(encoding="utf-8"))["requests"]

    def write(change=None, extra=()):
        requests = [dict(r, element=dict(r["element"])) for r in shipped] + list(extra)
        if change:
            change(requests)
        (dest / "requests.yaml").write_text(yaml.safe_dump({"requests": requests}, sort_keys=False), encoding="utf-8")
        return dest / "requests.yaml"

    write.folder = dest
    return write


# --- the register ---------------------------------------------------------------------------------

def test_the_shipped_register_holds_one_answered_and_one_open_request():
    register = load_requests(load_plan())
    answered, open_ = register.get("R2018-01"), register.get("R2018-02")
    assert (answered.status, answered.due, answered.asked_by) == ("answered", Q2, "commissioner")
    assert (open_.status, open_.due, open_.element.districts) == ("open", Q3, ("Cambridge", "Peterborough"))
    assert [r.id for r in register.due_in(Q2)] == ["R2018-01"]
    answer = load_answer(answered)
    assert answer.example and len(answer.answers) == len(answered.questions)
    assert "<!--" not in answer.narrative.text  # comments are dropped, as from any narrative


@pytest.mark.parametrize("change, where, what", [
    (lambda rs: rs[0]["element"].update(crime_types=None, measures=["bicycles"]),
     "requests[0].element.measures[0]", "request R2018-01: unknown measure 'bicycles'"),
    (lambda rs: rs[1]["element"].update(districts=["Cambridge", "Norwich"]),
     "requests[1].element.districts[1]", "request R2018-02: found 'Norwich', a district Cambridgeshire Constabulary does not have"),
    (lambda rs: rs[1].update(asked_by="the press"), "requests[1].asked_by", "request R2018-02: found 'the press'"),
    (lambda rs: rs[1].update(status="withdrawn"), "requests[1].reason", "a withdrawn request keeps its reason"),
    (lambda rs: rs[1].update(due="2018-19-Q5"), "requests[1].due", "request R2018-02"),
    (lambda rs: rs[1]["element"].update(measures=["calls_999_answered"]),
     "requests[1].element.measures[0]", "which have no districts"),
])
def test_a_bad_request_is_refused_at_load_naming_the_request_and_the_key(params, change, where, what):
    params(change)
    with pytest.raises(ConfigError) as caught:
        load_requests(load_plan())
    message = str(caught.value)
    assert f"requests.yaml: {where}:" in message and what in message, message


def test_a_period_outside_the_data_or_an_unknown_crime_type_is_refused_naming_the_request(params):
    from perfkit.evidence.requests import check_requests

    plan = load_plan()
    params(lambda rs: rs[0]["element"].update(period={"from": "2009-01"}))
    with pytest.raises(ConfigError, match=r"requests\[0\]\.element\.period\.from: request R2018-01: found 2009-01, "
                                          r"outside the data; expected a month the store holds"):
        check_requests(load_requests(plan), plan)
    params(lambda rs: rs[0]["element"].update(crime_types=["Bike theft"]))
    with pytest.raises(ConfigError, match=r"requests\[0\]\.element\.crime_types\[0\]: request R2018-01: found 'Bike theft'"):
        check_requests(load_requests(plan), plan)


def test_an_answer_must_answer_each_question_under_its_number(params):
    answer = params.folder / "requests" / "R2018-01.md"
    answer.write_text(answer.read_text(encoding="utf-8").split("## 2")[0], encoding="utf-8")
    params()
    with pytest.raises(ConfigError, match=r"R2018-01\.md: request R2018-01: found answers headed \[1\]; expected one "
                                          r"section per question, headed '## 1' to '## 2'"):
        load_requests(load_plan())


def test_the_log_carries_requests_from_quarter_to_quarter(params):
    from perfkit.reports.request import board_log

    withdrawn = {"id": "R2018-03", "title": "Cycle lanes", "asked": "2018-07-02", "asked_by": "working-group",
                 "element": {"crime_types": ["Bicycle theft"]}, "questions": ["Why?"], "due": "2018-19-Q3",
                 "status": "withdrawn", "reason": "Covered by request R2018-01."}
    params(extra=[withdrawn])
    plan = load_plan()
    now = {r["id"]: r for r in board_log(Q2, plan, ["request-R2018-01"])}
    assert now["R2018-01"]["href"] == "request-R2018-01.html" and now["R2018-01"]["state"] == "answered"
    assert now["R2018-02"]["state"] == "open" and now["R2018-02"]["due"] == "2018/19 Q3"
    assert now["R2018-03"]["state"] == "withdrawn" and now["R2018-03"]["reason"] == "Covered by request R2018-01."
    later = {r["id"]: r for r in board_log("2019-20-Q1", plan)}
    assert later["R2018-02"]["state"] == "overdue"  # still open after the quarter it was due
    assert later["R2018-01"]["href"] == "../2018-19-Q2/request-R2018-01.html"  # in the pack it was due with
    assert {r["id"] for r in board_log("2018-19-Q1", plan)} == {"R2018-01"}  # the only one asked by June 2018
    assert request_status(load_requests(plan).get("R2018-02"), Q3) == "due"


# --- the PDF --------------------------------------------------------------------------------------

def test_the_pdf_is_tagged_has_no_date_and_the_same_bytes_every_time():
    import io

    import pypdf

    from perfkit.present.pdf import pdf_bytes

    html = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Board pack | 2018/19 Q2</title></head>"
            "<body><main><h1>Board pack</h1><nav aria-label='Contents of the pack'><ol><li><a href='#a'>A</a></li></ol>"
            "</nav><h2 id='a'>A</h2><table><caption>T</caption><tr><th scope='col'>Crimes</th></tr><tr><td>17,086</td>"
            "</tr></table></main></body></html>")
    first, second = pdf_bytes(html), pdf_bytes(html)
    assert first == second
    reader = pypdf.PdfReader(io.BytesIO(first))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"] and root["/Lang"] == "en"
    assert reader.metadata.title == "Board pack | 2018/19 Q2" and "/CreationDate" not in reader.metadata
    assert len(reader.pages) == 2  # the contents on a page of its own, then the body
    assert "Page 1 of 2" in reader.pages[0].extract_text() and "17,086" in reader.pages[1].extract_text()


# --- the rendered quarter -------------------------------------------------------------------------

@pytest.mark.slow
def test_the_index_and_the_board_paper_list_the_two_requests(rendered_default):
    from bs4 import BeautifulSoup

    folder = rendered_default / DEFAULT_QUARTER
    for page, link in (("index.html", "request-R2018-01.html"), ("board/index.html", "request-R2018-01.html"),
                       ("board/board-pack.html", "#report-request-R2018-01")):
        soup = BeautifulSoup((folder / page).read_text(encoding="utf-8"), "html.parser")
        rows = soup.find("table", class_="requests-log").tbody.find_all("tr")
        cells = {r.th.get_text(" ", strip=True): r for r in rows}
        assert set(cells) == {"R2018-01: Bicycle theft across the force", "R2018-02: Robbery in Cambridge and Peterborough"}
        assert cells["R2018-01: Bicycle theft across the force"].a["href"] == link, page
        assert "Open, due 2018/19 Q3" in cells["R2018-02: Robbery in Cambridge and Peterborough"].get_text(), page
    assert (folder / "request-R2018-01.html").is_file() and (folder / "board" / "request-R2018-01.html").is_file()
    page = (folder / "request-R2018-01.html").read_text(encoding="utf-8")
    assert "Example text written for the shipped data" in page and "Question 2:" in page


@pytest.mark.slow
def test_the_board_pack_pdf_is_tagged_carries_the_figures_and_is_in_the_manifest(rendered_default):
    import pypdf

    folder = rendered_default / DEFAULT_QUARTER
    path = folder / "board" / "board-pack.pdf"
    reader = pypdf.PdfReader(path)
    assert "/StructTreeRoot" in reader.trailer["/Root"] and reader.trailer["/Root"]["/MarkInfo"]["/Marked"]
    text = "".join(page.extract_text() for page in reader.pages)
    assert "17,086" in text  # recorded crimes in the quarter, as text
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["outputs"]["board/board-pack.pdf"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert b"file:" not in path.read_bytes() and str(rendered_default).encode() not in path.read_bytes()


@pytest.mark.slow
def test_the_data_pack_holds_the_elements_rows(rendered_default):
    folder = rendered_default / DEFAULT_QUARTER
    csv = pd.read_csv(folder / "data-pack.csv", keep_default_na=False, na_values=[""]).set_index("measure_id")
    row = csv.loc["request-R2018-01"]
    assert pd.isna(row["objective"]) and row["measure"] == "Bicycle theft across the force"
    sheet = pd.read_excel(folder / "board" / "data-pack.xlsx", sheet_name="Requests").set_index("measure_id")
    assert sheet.loc["request-R2018-01", "quarter_value"] == row["quarter_value"] > 0
    text = (folder / "data-pack.csv").read_text(encoding="utf-8")
    assert "\nall_crime,All recorded crime (excluding anti-social behaviour),1," in text  # objectives stay whole
