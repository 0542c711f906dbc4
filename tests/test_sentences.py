"""Short sentences (issue 12, item 3): every measure's evidence statement in the default quarter
(2018-19 Q2) and in 2016-17 Q2, built from the shipped data, reads in short plain sentences.

Measured with :func:`perfkit.present.words.sentences` (which the lead can reuse on whole pages): mean at
most 20 words a sentence, 95th percentile at most 35; no text glitches; no test names, M7/Q,
F statistics or dispersion in a statement; every headline at most 25 words, saying whether the
change is statistically significant whenever a test was made.
"""

from __future__ import annotations

import numpy as np
import pytest

from perfkit import data, evidence
from perfkit.present import words
from perfkit.present.statements import (adjustment_describe, adjustment_notes, level_shift_sentence,
                                        like_for_like_sentence, shift_estimate_sentence)
from perfkit.periods import parse_quarter
from perfkit.config.plan import load_plan

QUARTERS = ("2018-19-Q2", "2016-17-Q2")
GLITCHES = (".;", "= <", "((", "))", "a 11", "a 8", "a 18", "+-", "p = <", "month length beyond month length")
TECHNICAL = ("score test", "M7", "F =", "dispersion", "two-of-three", "Poisson", "p =", "p <", "Kruskal")


@pytest.fixture(scope="module", params=QUARTERS)
def model(request):
    data.ensure_store()
    return evidence.load(load_plan(), parse_quarter(request.param))


# --- the splitter -----------------------------------------------------------------------------------

def test_sentences_split_at_full_stops_but_not_abbreviations_decimals_or_addresses():
    text = ("Burglary rose, e.g. in June. The rate was 2.5 per 1,000 (data.police.uk). 2015 was higher! "
            "Was it? Yes.\n\nA new paragraph without a full stop")
    assert words.sentences(text) == [
        "Burglary rose, e.g. in June.", "The rate was 2.5 per 1,000 (data.police.uk).", "2015 was higher!",
        "Was it?", "Yes.", "A new paragraph without a full stop",
    ]
    assert words.sentences("See caveat C9 (Source: Home Office.) Next.") == [
        "See caveat C9 (Source: Home Office.)", "Next."]
    assert words.sentences("i.e. one sentence, i.e. not two.") == ["i.e. one sentence, i.e. not two."]
    assert words.sentences("") == [] and words.word_count("9% fewer than 1,595.") == 4


# --- every statement of both quarters ---------------------------------------------------------------

def test_statements_are_short_sentences(model):
    lengths = []
    for mid, ev in model.measures.items():
        found = words.sentences(ev.statement)
        assert found, mid
        lengths += [words.word_count(s) for s in found]
    assert len(lengths) >= 2 * len(model.measures)  # several sentences, not one long one
    assert np.mean(lengths) <= 20, np.mean(lengths)
    assert np.percentile(lengths, 95) <= 35, np.percentile(lengths, 95)


def test_statements_have_no_glitches_and_no_technical_terms(model):
    for mid, ev in model.measures.items():
        for bad in GLITCHES:
            assert bad not in ev.statement, (mid, bad, ev.statement)
        for term in TECHNICAL:
            assert term not in ev.statement, (mid, term, ev.statement)
        assert "data/" not in ev.statement and ".csv" not in ev.statement, mid  # no production instructions


def test_headlines_are_short_and_say_whether_the_change_is_significant(model):
    tested = 0
    for mid, ev in model.measures.items():
        head = ev.headline
        assert ev.statement.startswith(head), mid
        assert words.word_count(head) <= 25, (mid, head)
        assert len(words.sentences(head)) == 1, (mid, head)
        cmp = ev.headline_comparison
        if cmp is not None and cmp.tested and not ev.snapshot:
            tested += 1
            verdict = "not statistically significant" if not cmp.significant else "statistically significant"
            assert verdict in head, (mid, head)
            if cmp.significant:
                assert "not statistically significant" not in head, (mid, head)
        else:
            assert "significant" not in head, (mid, head)
    assert tested >= 10


def test_method_notes_hold_what_left_the_statements(model):
    burglary = model.measure("burglary")
    notes = " ".join(burglary.method_notes)
    assert "score test" in notes and "p " in notes
    assert "dispersion" in notes.lower()
    assert "Seasonality" in notes and "F = " in notes and "p = <" not in notes
    assert "SPC rule that fired" in notes
    spc_rules = [n for n in burglary.method_notes if n.startswith("SPC rule that fired")]
    assert spc_rules and all(words.word_count(n) <= 40 for n in spc_rules)
    adjusted = [ev for ev in model.measures.values() if ev.adjustment is not None and ev.adjustment.method == "x13"]
    for ev in adjusted:
        assert any("M7" in n and "Q" in n for n in ev.method_notes), ev.measure.id
        assert "M7" not in adjustment_describe(ev.adjustment) and "M7" in " ".join(adjustment_notes(ev.adjustment))
    for ev in model.measures.values():
        if ev.adjustment is not None:
            text = adjustment_describe(ev.adjustment)
            notes = " ".join(adjustment_notes(ev.adjustment))
            assert len(words.sentences(text)) <= 2 and "F =" not in text and " p " not in text, ev.measure.id
            for bad in GLITCHES:
                assert bad not in text and bad not in notes, (ev.measure.id, bad)


def test_the_data_pack_data_quality_keeps_month_names_capitalised(model):
    for mid in model.table["measure_id"]:
        text = model.row(mid)["data_quality"]
        for name in ("january", "february", "march", "april", "may 2", "june", "july", "august",
                     "september", "october", "november", "december"):
            assert name not in text, (mid, text)


# --- the wording helpers the statements use ---------------------------------------------------------

def test_sizes_of_recording_changes_read_without_glitches():
    import pandas as pd

    from perfkit.stats.caveats import ShiftEstimate, like_for_like
    from perfkit.stats.seasonal import LevelShift

    at = pd.Period("2015-04", "M")
    shift = LevelShift(at, "ratio", 0.89, 0.71, 1.13, 0.34, "count")
    assert level_shift_sentence(shift) == ("The level shift at April 2015 is estimated as an 11% fall (95% interval: "
                                           "29% lower to 13% higher); not statistically significant.")
    est = ShiftEstimate(at, 1.18, 1.02, 1.36, 0.02, 0.166, 0.07, "Poisson", 1.0, float("nan"), 60, 27, 33)
    text = shift_estimate_sentence(est)
    assert text.startswith("From April 2015 the recorded level shows an 18% rise beyond the usual seasonal pattern")
    assert "(95% interval: 2% higher to 36% higher). This is statistically significant." in text
    lfl = like_for_like_sentence(like_for_like(1320, 1000, est))
    for s in (level_shift_sentence(shift), text, lfl):
        assert not any(bad in s for bad in GLITCHES), s
        assert max(words.word_count(x) for x in words.sentences(s)) <= 35, s
    assert words.article("11%") == "an" and words.p_value(0.0004) == "p < 0.001"
