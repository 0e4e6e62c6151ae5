"""The skill scorer of the accuracy benchmark (bench/acc_skills.py): what counts as found."""

from __future__ import annotations

from bench.acc_skills import score


def _score(predicted: set[str], labels: list[list[str]]) -> dict:
    return score({"r": predicted}, [{"file": "r", "skills": labels}])


def test_a_prediction_credits_one_label_at_most():
    r = _score({"project management"}, [["project management"], ["management"]])
    assert (r["tp"], r["fp"], r["fn"]) == (1, 0, 1)
    r = _score({"project management", "management"}, [["project management"], ["management"]])
    assert (r["tp"], r["fp"], r["fn"]) == (2, 0, 0)


def test_pairs_are_found_even_when_a_greedy_choice_would_block_them():
    # "IT project management" could take either label; "management" only the second
    r = _score({"IT project management", "management"}, [["management"], ["project management"]])
    assert (r["tp"], r["fp"], r["fn"]) == (2, 0, 0)


def test_number_and_more_specific_forms_match_but_acronyms_keep_their_s():
    r = _score({"vital sign monitoring", "ESRI ArcGIS"}, [["vital signs"], ["ArcGIS"]])
    assert (r["tp"], r["fp"], r["fn"]) == (2, 0, 0)
    r = _score({"CMM"}, [["CMMS"]])
    assert (r["tp"], r["fp"], r["fn"]) == (0, 1, 1)


def test_the_same_skill_named_twice_is_not_a_false_positive():
    r = _score({"Excel", "Microsoft Excel"}, [["Microsoft Excel", "Excel"]])
    assert (r["tp"], r["fp"], r["fn"]) == (1, 0, 0)
