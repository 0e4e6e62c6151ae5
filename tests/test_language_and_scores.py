import numpy as np
import pytest

from analyzers.language import key_point_coverage, mattr, sentences, split_key_points, units
from analyzers.scoring import COMMUNICATION, Feature, score_report
from analyzers.skills_match import skills_match
from contracts.report import Word
from resume.skills import find_skills, load_taxonomy


def W(text, t0=0.0, step=0.4):
    return [
        Word(
            word=w,
            start_s=round(t0 + i * step, 2),
            end_s=round(t0 + i * step + 0.3, 2),
            probability=0.9,
        )
        for i, w in enumerate(text.split())
    ]


def test_sentences_units_and_key_points_split():
    ws = W("I added indexes, then I wrote tests. We shipped it!")
    assert [s.text for s in sentences(ws)] == [
        "I added indexes, then I wrote tests.",
        "We shipped it!",
    ]
    texts = {u.text for u in units(ws)}
    assert "I added indexes," in texts and "then I wrote tests." in texts
    assert split_key_points("- Add indexes.\n- Write tests; measure latency\n2) Cache reads") == [
        "Add indexes",
        "Write tests",
        "measure latency",
        "Cache reads",
    ]


def test_mattr():
    assert mattr(["a", "b", "a", "b"]) == 0.5
    assert mattr(["x"] * 100) == pytest.approx(1 / 50)
    assert mattr([]) is None


@pytest.mark.slow
def test_key_point_coverage_names_the_missing_point(registry):
    ws = W(
        "I designed the database schema and added indexes to speed up the slow queries, "
        "then wrote tests for every service.",
        t0=3.0,
    )
    points = key_point_coverage(
        ws,
        "Design the schema. Add indexes for slow queries. Cache the read-heavy endpoints.",
        registry.get("embedder").embed,
    )
    assert [p.covered for p in points] == [True, True, False]
    assert points[2].point == "Cache the read-heavy endpoints" and points[2].evidence is None
    assert points[1].start_s >= 3.0 and "indexes" in points[1].evidence


@pytest.mark.slow
def test_a_paragraph_without_punctuation_becomes_its_clauses(registry):
    parse = registry.get("parser").parse
    paragraph = (
        "I would first gather the requirements then design the database schema and write tests "
        "for every service and finally deploy it to production with monitoring"
    )
    assert split_key_points(paragraph, parse) == [
        "I would first gather the requirements",
        "design the database schema",
        "write tests for every service",
        "deploy it to production with monitoring",
    ]
    run_on = (
        "In my last role I managed a team of five engineers we migrated our monolith to "
        "microservices and I mentored two juniors"
    )
    assert split_key_points(run_on, parse) == [
        "In my last role I managed a team of five engineers",
        "we migrated our monolith to microservices",
        "I mentored two juniors",
    ]
    # coordinated nouns, a short point and a subordinate clause stay whole; no parser: no split
    assert split_key_points("Salt and pepper are both important and the chef tastes it", parse) == [
        "Salt and pepper are both important",
        "the chef tastes it",
    ]
    assert split_key_points("Restate the problem and offer options", parse) == [
        "Restate the problem and offer options"
    ]
    # technical words at a clause's edge stay; a short first step joins the next one
    assert split_key_points(
        "I wrote the backend service in C++ and we deployed it on AWS EC2", parse
    ) == ["I wrote the backend service in C++", "we deployed it on AWS EC2"]
    listen = "Listen, then summarise the problem, then propose a fix and test it with users"
    assert "Listen" in " ".join(split_key_points(listen, parse))
    tools = "C++ C# F# Node.js S3 EC2 Kafka Spark Airflow Terraform"  # no verb: one point
    assert split_key_points(tools, parse) == [tools]
    because = "My strength is attention to detail because I check every report before it goes"
    assert split_key_points(because, parse) == [because]
    assert split_key_points(paragraph) == [paragraph]


@pytest.mark.slow
def test_a_step_never_made_is_missing_instead_of_hidden_in_a_long_point(registry):
    embed, parse = registry.get("embedder").embed, registry.get("parser").parse
    expected = (
        "I would gather the requirements with the client then design the database schema and "
        "write automated tests and finally set up monitoring and alerts in production"
    )
    ws = W(
        "First I sat down with the client to gather their requirements. Then I designed the "
        "database schema. I also wrote automated tests for it.",
        t0=1.0,
    )
    whole = key_point_coverage(ws, expected, embed)
    assert len(whole) == 1 and whole[0].covered  # one long point, "covered" on average
    points = key_point_coverage(ws, expected, embed, parse)
    assert len(points) >= 3  # the parser's clauses (how "then design" attaches varies)
    assert all(p.covered for p in points[:-1])
    assert not points[-1].covered and "monitoring" in points[-1].point


@pytest.mark.slow
def test_grammar_and_language_measures(registry):
    from analyzers.language import language_measures

    ws = W("Congressional district. I am in Washington this week. Um, I like it a lot!")
    lang = language_measures(
        ws,
        embed=registry.get("embedder").embed,
        parse=registry.get("parser").parse,
        sentiment=registry.get("sentiment").compound,
        question="What are you doing this week?",
    )
    assert lang.grammar.sentence_count == 3
    assert lang.grammar.fragments == ["Congressional district."]
    assert lang.grammar.complete_sentence_ratio == pytest.approx(2 / 3, abs=1e-3)
    assert lang.word_count == 13  # 14 words; "Um" is not counted
    assert lang.sentiment.label == "positive" and lang.relevance_to_question > 0.2


def test_skills_match_with_spoken_evidence():
    tax = load_taxonomy()
    resume = find_skills("Skills: Python, Docker, SQL", tax)
    ws = W("Last year I containerised our services with Docker and tuned SQL queries", t0=10.0)
    m = skills_match(
        resume, taxonomy=tax, job_description="We need Python and Kubernetes.", words=ws
    )
    assert m.matched == ["Python"] and m.missing == ["Kubernetes"] and m.match_ratio == 0.5
    ev = {e.name: e for e in m.resume_skills}
    assert ev["Docker"].evidenced_in_answer and ev["Docker"].start_s == pytest.approx(
        12.8
    )  # 8th word
    assert "Docker" in ev["Docker"].quote
    assert not ev["Python"].evidenced_in_answer and m.evidenced_ratio == pytest.approx(
        2 / 3, abs=1e-3
    )


def test_feature_ramps():
    wpm = next(f for f in COMMUNICATION if f.name == "wpm")
    assert wpm.ramp(140) == 1 and wpm.ramp(80) == 0 and wpm.ramp(100) == pytest.approx(0.5)
    assert wpm.ramp(250) == 0
    low_is_good = Feature("x", "u", 10, full=0.0, zero=4.0)
    assert low_is_good.ramp(1.0) == pytest.approx(0.75) and low_is_good.ramp(9) == 0


def test_scores_without_any_measure_are_null_with_reasons():
    s = score_report(None)
    assert s.talent_score is None and s.null_reason
    for sub in (s.communication, s.confidence, s.skill_relevance, s.engagement):
        assert sub.score is None and sub.null_reason and sub.contributions == []


def test_embedding_memo_embeds_each_distinct_text_once():
    from pipeline.speech import EmbeddingMemo

    calls = []

    def embed(texts):
        calls.append(list(texts))
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    memo = EmbeddingMemo(embed)
    first = memo(["a", "bb", "a"])
    second = memo(["bb", "ccc"])
    assert calls == [["a", "bb"], ["ccc"]]
    assert first.shape == (3, 2) and np.array_equal(first[0], first[2])
    assert np.array_equal(second[0], first[1]) and second[1][0] == 3
    assert memo([]).shape[0] == 0


def test_embedding_batches_keep_every_text_once_within_the_attention_budget():
    from models.embedder import ATTENTION_BUDGET, BATCH, _batches

    widths = sorted([5] * 40 + [60] * 20 + [200] * 5 + [256] * 11)
    order = list(range(100, 100 + len(widths)))
    batches = _batches(widths, order)
    assert [i for b in batches for i in b] == order
    width_of = dict(zip(order, widths, strict=True))
    for b in batches:
        assert 1 <= len(b) <= BATCH
        assert len(b) == 1 or len(b) * max(width_of[i] for i in b) ** 2 <= ATTENTION_BUDGET
    assert max(len(b) for b in batches if width_of[b[-1]] == 256) == 2


def test_long_passages_embed_alike_alone_and_in_a_batch(registry):
    embed = registry.get("embedder").embed
    long = " ".join(["I designed the data pipeline and reviewed every change with the team."] * 25)
    texts = [long, long.replace("data", "billing"), "short answer", long.upper()]
    together = embed(texts)
    alone = np.stack([embed([t])[0] for t in texts])
    assert together.shape == (4, 384)
    # int8 activations are quantised per call, so batch-mates move a vector slightly
    assert (together * alone).sum(axis=1).min() > 0.99
