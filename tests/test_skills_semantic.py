"""Skills from candidate phrases (resume/phrases.py, resume/semantic.py): what a reader finds in
lists and prose, the confidence and the link to ESCO, and the job-description side of
skills_match (required / nice to have, coverage)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from analyzers.skills_match import requirement_at, skills_match
from contracts.report import Skill, TextSpan
from models.registry import get_registry
from pipeline.orchestrator import skill_model
from resume.extract import extract_text
from resume.phrases import Candidate, _clean_item, candidates, line_sections, list_candidates
from resume.semantic import (
    CLASSIFIER_PATH,
    FEATURES,
    NOMINALS_PATH,
    featurize,
    names_organisation,
    nominal_form,
    singular,
)
from resume.skills import find_skills, load_taxonomy
from tests.conftest import make_docx

RESUME = """Jane Example
Registered Nurse

Summary
Compassionate nurse with 6 years of experience in medical-surgical units.

Experience
Staff Nurse, City Hospital
- Administered IV antibiotics and monitored vital signs for 5 patients per shift
- Performed wound care and dressing changes; educated patients on discharge instructions
- Documented care in Epic EHR

Skills
Patient assessment, BLS, ACLS, Phlebotomy, Microsoft Excel

Interests
Gardening, hiking, photography
"""

POSTING = """Senior Data Engineer (Cork, Ireland)

We are a growing team with a go to market plan across Europe, based in Cork. You will excel
at building reliable pipelines and be swift to escalate incidents.

Requirements:
- Python and SQL
- Apache Spark, Kafka and Airflow
- Infrastructure as code with Terraform

Nice to have:
- Kubernetes
- dbt is a plus
"""


@pytest.fixture(scope="module")
def model():
    return skill_model(get_registry())


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy()


def test_list_items_are_cleaned_of_what_is_not_the_skill():
    assert _clean_item(" Knowledge of GAAP")[0] == "GAAP"
    assert _clean_item("5 years of welding")[0] == "welding"
    assert _clean_item("dbt is a plus")[0] == "dbt"
    assert _clean_item("SQL (preferred)")[0] == "SQL"
    assert _clean_item("2019") is None
    assert _clean_item("5+ years in B2B marketing")[0] == "B2B marketing"
    assert _clean_item("Hands-on with HubSpot")[0] == "HubSpot"
    assert _clean_item("CRRT experience preferred")[0] == "CRRT"
    assert _clean_item("Spanish (fluent)")[0] == "Spanish"
    assert _clean_item("the NEC")[0] == "NEC"
    assert _clean_item("analytical skills")[0] == "analytical skills"  # what a reader writes
    assert _clean_item("Current BLS")[0] == "BLS"
    assert _clean_item("Current Procedural Terminology")[0] == "Current Procedural Terminology"
    assert _clean_item("Active Directory")[0] == "Active Directory"
    assert _clean_item("You will prospect new business")[0] == "prospect new business"


MARKETING_POSTING = """Marketing Manager

We're a fast-growing SaaS company. You'll own our go-to-market strategy and excel at storytelling.

Responsibilities
- Manage a $2M budget and report on ROI

Requirements
- Hands-on with HubSpot and Salesforce
- Strong copywriting and data analysis skills
"""


def test_posting_names_stay_apart_and_employers_amounts_are_no_skills(model, tax):
    names = {s.name for s in find_skills(MARKETING_POSTING, tax, semantic=model, kind="job")}
    assert {"HubSpot", "Salesforce", "copywriting", "data analysis"} <= names, names
    low = " | ".join(sorted(names)).lower()
    traps = ("company", "hubspot and", "m budget", "budget and report", "excel", "go-to", "skills")
    for trap in traps:
        assert trap not in low, (trap, names)


def test_candidates_come_from_lists_and_prose_but_not_interests(model):
    cands = candidates(RESUME, model._tagger)
    by_text = {c.text: c for c in cands}
    assert by_text["Phlebotomy"].kind == "list" and by_text["Phlebotomy"].section == "skills"
    assert by_text["Patient assessment"].items_on_line == 5
    # the verb that opens a bullet is a verb, not an adjective of the noun phrase
    assert "IV antibiotics" in by_text and by_text["IV antibiotics"].kind == "noun"
    assert "administered IV antibiotics" in by_text
    assert by_text["administered IV antibiotics"].kind == "verb"
    assert "wound care" in by_text
    assert not {"Gardening", "hiking", "photography"} & set(by_text)
    for c in cands:  # spans point at the evidence
        assert RESUME[c.start : c.end].lower().endswith(c.text.split()[-1].lower())


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("Followed lockout/tagout procedures on every job.", "lockout/tagout procedures"),
        ("Grounded in assessment and evidence-based practice.", "evidence-based practice"),
        ("Handled Cite-checking of briefs for the partners.", "Cite-checking of briefs"),
        ("Upgraded the material handling control system.", "material handling control system"),
        ("Demonstrated expertise in permitting and zoning.", "permitting"),
        ("Wired panels to NFPA 70E and programmed PLCs in Studio 5000.", "NFPA 70E"),
        ("Wired panels to NFPA 70E and programmed PLCs in Studio 5000.", "Studio 5000"),
        ("Submitted claims on UB-04 forms and prepared P11D returns.", "UB-04 forms"),
        ("Maintained records of the debits and credits daily.", "debits and credits"),
        ("Prepared the profit and loss statement each month.", "profit and loss statement"),
        (
            "Led the operation of the new material handling control system upgrade.",
            "material handling control system upgrade",
        ),
    ],
)
def test_prose_candidates_read_compounds_gerunds_versions_and_pairs(model, sentence, phrase):
    """Words the tagger reads as verbs or numbers inside a name still make one phrase; a pair
    named together is a phrase besides its parts (resume.phrases.nominal_pos)."""
    text = "Experience\n" + sentence + "\n"
    texts = {c.text for c in candidates(text, model._tagger)}
    assert phrase in texts, texts


def test_prose_candidates_leave_years_lists_and_verbs_with_objects_alone(model):
    text = "Experience\nMigrated Windows 2016 servers in 2019.\nEngineers designing systems.\n"
    texts = {c.text for c in candidates(text, model._tagger)}
    assert not any("2019" in t for t in texts), texts
    assert "Engineers designing systems" not in texts
    text = "Experience\nSelected, trained and supervised staff; reviewing and approving budgets.\n"
    texts = {c.text for c in candidates(text, model._tagger)}
    assert "reviewing and approving budgets" not in texts


def test_list_items_keep_numbers_and_parentheses_whole(model):
    text = "Skills\nSQL (PostgreSQL, MySQL), Python\nWe run a 250,000 sq ft site, Memphis, TN\n"
    texts = {c.text for c in candidates(text, model._tagger)}
    assert {"SQL", "PostgreSQL", "MySQL", "Python"} <= texts, texts
    assert not any("(" in t or ")" in t for t in texts), texts
    assert not any(t.endswith("250") or t.startswith("000") for t in texts), texts


def test_places_named_together_are_not_skills(model, tax):
    assert model.is_place("Berlin and Lisbon") and model.is_place("Berlin, Lisbon & Cork")
    assert not model.is_place("Berlin and Python") and not model.is_place("")
    text = "About us\nWe are remote-first with hubs in Berlin and Lisbon.\n"
    names = {s.name for s in find_skills(text, tax, semantic=model, kind="job")}
    assert not any("Berlin" in n or "Lisbon" in n for n in names), names


def test_a_place_that_ends_a_phrase_is_cut_off_and_go_to_market_is_no_skill(model, tax):
    text = (
        "Skills\nSales in Europe, Excel\n"
        "Nice to have:\n- Hubs in Houston and Dallas.\n- Offices in Austin\n"
    )
    by_text = {c.text: c for c in model.candidates(text)}
    assert "Sales" in by_text and text[by_text["Sales"].start : by_text["Sales"].end] == "Sales"
    assert not any("Houston" in t or "Europe" in t for t in by_text), by_text
    assert "Hubs" not in by_text and "Offices" not in by_text  # they say where, not what
    names = {s.name.lower() for s in find_skills(text, tax, semantic=model, kind="job")}
    assert not any("houston" in n or "dallas" in n or "europe" in n for n in names), names
    # "Teaching in the classroom": no place, the phrase stays whole
    assert [c.text for c in model.candidates("Skills\nTeaching in the classroom")] == [
        "Teaching in the classroom"
    ]
    prose = "Owned the go to market plan for new products."
    assert not any("market" in c.text for c in model.candidates(prose) if c.kind != "verb")
    names = {s.name.lower() for s in find_skills(prose, tax, semantic=model, kind="job")}
    assert not any(n in ("go", "market plan") for n in names), names


def test_posting_headings_open_skill_sections_and_short_items_split():
    sections = line_sections(POSTING)
    lines = POSTING.split("\n")
    assert sections[lines.index("- Python and SQL")] == "skills"
    texts = {c.text for c in candidates(POSTING, get_registry().get("parser").tag)}
    assert {"Python", "SQL", "Kafka", "Airflow", "Terraform", "dbt"} <= texts
    assert "Requirements" not in texts and "Nice to have" not in texts


def test_resume_skills_from_prose_and_lists_with_confidence_and_evidence(model, tax):
    skills = find_skills(RESUME, tax, semantic=model)
    by_name = {s.name: s for s in skills}
    assert {"Microsoft Excel", "basic life support (BLS)", "Phlebotomy"} <= set(by_name)
    assert "advanced cardiovascular life support (ACLS)" in by_name
    assert "Epic Systems" in by_name  # "Epic EHR" in a bullet; "Epic" alone is not claimed
    # prose phrases ("monitored vital signs") are scored; this model keeps them under its
    # threshold here (SKILL_CLASSIFIER.md, limits), so none is asserted
    for s in skills:
        assert 0 <= s.confidence <= 1
        assert len(s.evidence_spans) == len(s.evidence) >= 1
        a, b = s.evidence_spans[0].start_char, s.evidence_spans[0].end_char
        assert RESUME[a:b] and RESUME[a:b].split()[0] in s.evidence[0]
        if s.match == "unlinked":
            assert s.source == "resume" and s.source_id is None
        elif s.match == "semantic":
            assert s.source == "ESCO" and s.source_id.startswith("http")
            assert s.taxonomy_label and s.link_cosine >= model.link_threshold
        else:
            assert s.source in ("ESCO", "O*NET", "curated") and s.source_id
    assert by_name["Microsoft Excel"].match == "exact"
    assert not {"Gardening", "hiking", "photography", "City Hospital", "Jane Example"} & set(
        by_name
    )


def test_words_that_are_not_skills_in_context_stay_out(model, tax):
    names = {s.name for s in find_skills(POSTING, tax, semantic=model, kind="job")}
    assert {"Python", "SQL", "Apache Spark", "Apache Airflow", "Kubernetes", "dbt"} <= names
    low = {n.lower() for n in names}
    for trap in ("go", "go to market", "excel", "microsoft excel", "swift", "cork", "ireland"):
        assert trap not in low, trap
    assert not any("go to market" in n or "europe" in n or "cork" in n for n in low)
    assert not any("ireland" in n for n in low)


ONE_PARAGRAPH = (
    "Data Engineer. We are looking for a data engineer with Python, Spark, Kafka, Airflow and "
    "Rust. Experience with Terraform is a plus. You must know SQL. Based in Cork, Ireland."
)


def test_a_posting_written_as_one_paragraph_yields_every_tool_it_lists(model, tax):
    names = {s.name for s in find_skills(ONE_PARAGRAPH, tax, semantic=model, kind="job")}
    assert {"Python", "Apache Spark", "Apache Kafka", "Apache Airflow", "Rust", "SQL"} <= names
    assert not any("know" in n.lower() or "cork" in n.lower() for n in names), names


def test_a_phrase_naming_the_tool_it_used_leaves_the_tool_to_the_gazetteer(model, tax):
    text = "Sales Representative\nTracked the pipeline in Salesforce and documented care in Epic."
    names = {s.name for s in find_skills(text, tax, semantic=model)}
    assert {"Salesforce", "Epic Systems"} <= names
    assert not any(" in " in n for n in names), names


def test_an_employer_heading_line_is_no_list_of_skills(model, tax):
    text = (
        "Experience\nAcme Tools, Cleveland, OH - HR Generalist (2018-2024)\n"
        "- Processed payroll in ADP and kept records in Workday\n"
    )
    names = {s.name for s in find_skills(text, tax, semantic=model)}
    assert not any("Acme" in n or "Cleveland" in n for n in names), names
    assert "Workday" in names


def test_phrases_never_run_across_sentences(model):
    text = (
        "Registered Nurse, St. Mary's Hospital. Performed wound care and monitored vital signs. "
        "Educated patients and families. Excel at meeting deadlines. Processed accounts payable."
    )
    found = [c.text for c in model.candidates(text)]
    assert not [c for c in found if ". " in c and not c.startswith("St. ")], found
    assert "vital signs" in found


TRAPS = """Account Executive, Swift Logistics (Go-To-Market team), Rust Belt region
We need someone who can excel at closing deals, go the extra mile and be swift to escalate
issues. You will spring into action when clients call, paint on a blank canvas, and offer sage
advice. Travel to Cork, Dublin, Paris and Austin required. Experience with Salesforce and
HubSpot is a plus. Must be able to lift 50 lbs.
"""


def test_names_places_units_and_everyday_words_are_no_skills_of_a_posting(model, tax):
    names = {s.name for s in find_skills(TRAPS, tax, semantic=model, kind="job")}
    assert {"Salesforce", "HubSpot"} <= names, names
    low = " | ".join(sorted(names)).lower()
    for trap in ("swift", "rust", "market", "excel", "spring", "canvas", "sage", "cork",
                 "travel", "lbs", "region", "mile"):  # fmt: skip
        assert trap not in low, (trap, names)


def test_gazetteer_alone_without_a_model_still_works(tax):
    skills = find_skills(RESUME, tax)
    assert "Microsoft Excel" in {s.name for s in skills}
    assert all(s.confidence is None and s.match in ("exact", "alias") for s in skills)


@pytest.mark.parametrize(
    ("sentence", "skill", "expected"),
    [
        ("Requirements:\n- Python\n\nNice to have:\n- Kubernetes\n", "Kubernetes", "nice_to_have"),
        ("Requirements:\n- Python\n\nNice to have:\n- Kubernetes\n", "Python", "required"),
        ("You know SQL. Kubernetes is a plus.", "Kubernetes", "nice_to_have"),
        ("Experience with Go is preferred but not required.", "Go", "nice_to_have"),
        ("Preferred:\n- Docker\nYou must know Java.", "Java", "required"),
        ("Desirable\n- Tableau\n", "Tableau", "nice_to_have"),
        ("We use Python every day.", "Python", "required"),
    ],
)
def test_requirement_of_a_job_skill(sentence, skill, expected):
    assert requirement_at(sentence, sentence.index(skill)) == expected


NURSE_RESUME = """Staff Nurse, Medical ICU
- Cared for critically ill patients, including ventilated patients
- Titrated vasoactive infusions and monitored hemodynamics with arterial lines
- Administered IV medications; documented care in Epic

Interests
Gardening
"""


def test_a_job_skill_the_resume_states_in_words_is_on_it_with_the_line_quoted(model, tax):
    posting = (
        "You will monitor hemodynamics, administer medications and keep the garden. "
        "Experience with CRRT is essential. Excel at teamwork."
    )
    resume = find_skills(NURSE_RESUME, tax, semantic=model)
    m = skills_match(
        resume, taxonomy=tax, job_description=posting, semantic=model, resume_text=NURSE_RESUME
    )
    job = {j.name.lower(): j for j in m.job_skills}
    stated = [j for j in m.job_skills if j.matched_by == "stated_on_resume"]
    assert stated and all(j.on_resume and j.resume_evidence for j in stated)
    assert next(j for n, j in job.items() if "hemodynamic" in n).on_resume
    meds = next(j for n, j in job.items() if "medication" in n)
    assert meds.on_resume and "Administered IV medications" in (meds.resume_evidence or "")
    assert any("CRRT" in n for n in m.missing)  # the resume never says it
    # an interest is not a skill the resume claims, and without the text nothing is stated
    assert not any("garden" in (j.resume_evidence or "").lower() for j in m.job_skills)
    bare = skills_match(resume, taxonomy=tax, job_description=posting, semantic=model)
    assert not any(j.matched_by == "stated_on_resume" for j in bare.job_skills)


def test_a_postings_title_is_the_role_and_a_label_opens_a_list_mid_line(model, tax):
    posting = (
        "Warehouse Team Lead\n\nYou will lead the night shift. Requirements: forklift "
        "certification, cycle counting, SAP."
    )
    names = {s.name for s in find_skills(posting, tax, semantic=model, kind="job")}
    assert not any("Team Lead" in n or "Requirements" in n for n in names), names
    assert any("cycle counting" in n.lower() for n in names), names


def test_lists_of_names_and_acronym_sentences_stay_lists():
    for text, items in (
        ("Skills: Distributed Systems, Embedded Systems, Linux", ["Distributed Systems", "Linux"]),
        ("Certifications: Registered Nurse, BLS", ["Registered Nurse", "BLS"]),
        ("Proficiency in Python and SQL. Experience with Airflow, dbt.", ["SQL", "Airflow"]),
        ("M.Sc. Computer Science, Data Mining, Statistics", ["Data Mining"]),
    ):
        found = [c.text for c in list_candidates(text, line_sections(text))]
        assert all(i in found for i in items), (text, found)
        assert not any(". " in f and not f.startswith("M.Sc") for f in found), found
    assert _clean_item("User Experience")[0] == "User Experience"


def test_a_statement_states_a_one_word_skill_only_as_that_word():
    from analyzers.skills_match import ResumeStatements

    said = ResumeStatements("- Managed 40 key accounts; grew market share\n- Ran a coding program")
    for name in ("accounting", "marketing", "programming"):
        job = Skill(
            name=name, category="skill", source="resume", source_id=None, mentions=1, evidence=[]
        )
        assert said.stating(job) is None, name


def test_a_tool_listed_among_tools_is_kept_whatever_the_word_alone_reads(model, tax):
    text = "Software Engineer\nLanguages: Java, Python, TypeScript, Go\nI like to go hiking."
    names = [s.name for s in find_skills(text, tax, semantic=model)]
    assert names.count("Go") == 1 and "Java" in names, names
    assert "• Bachelor" not in {s.name for s in find_skills("• Bachelor's degree", tax, model)}


def test_contact_details_are_never_skills(model, tax):
    text = "Emma Moore\nemoore@email.com | www.emmamoore.com | @emmam\nSkills: payroll, auditing"
    names = {s.name for s in find_skills(text, tax, semantic=model)}
    assert "payroll" in names
    assert not any("@" in n or "www" in n for n in names), names


def test_clauses_joined_by_commas_are_read_as_prose(model, tax):
    text = (
        "Sales Representative\nManaged a territory of 120 accounts, prospected new clients, "
        "negotiated contracts up to $500K, and tracked the pipeline in Salesforce."
    )
    found = find_skills(text, tax, semantic=model)
    names = {s.name for s in found}
    assert "contract negotiation" in names and "Salesforce" in names, names
    assert not any("$500K" in n for n in names), names


def test_a_verb_and_its_action_noun_state_the_same_skill():
    from analyzers.skills_match import ResumeStatements

    def skill(name, category="skill"):
        return Skill(
            name=name, category=category, source="resume", source_id=None, mentions=1, evidence=[]
        )

    said = ResumeStatements("- Certified forklift operator\n- Administered IV medications")
    assert "Certified forklift" in said.stating(skill("forklift certification"))
    assert "Administered IV" in said.stating(skill("medication administration"))
    assert ResumeStatements("I excel at teamwork").stating(skill("Excel", "tool")) is None


def test_skills_match_credits_equivalents_and_lists_missing_required_first(model, tax):
    resume = find_skills(
        "Skills: Python 3, PostgreSQL, Apache Kafka, Epic EHR, Tableau", tax, semantic=model
    )
    posting = (
        "Requirements:\n- Python\n- Kafka\n- Terraform\n- Epic\n\nNice to have:\n- Kubernetes\n"
    )
    m = skills_match(resume, taxonomy=tax, job_description=posting, semantic=model)
    job = {j.name: j for j in m.job_skills}
    assert job["Python"].on_resume and job["Python"].requirement == "required"
    assert job["Apache Kafka"].on_resume and job["Apache Kafka"].matched_by == "same_skill"
    assert "Kubernetes" in m.missing and "Kubernetes" not in m.missing_required
    assert job["Kubernetes"].requirement == "nice_to_have"
    assert any("Terraform" in n for n in m.missing_required)
    assert m.missing.index("Kubernetes") == len(m.missing) - 1  # required first
    assert [j.requirement for j in m.job_skills] == sorted(
        (j.requirement for j in m.job_skills), key=lambda r: r != "required"
    )


def test_the_committed_classifier_matches_the_features(model):
    spec = json.loads(CLASSIFIER_PATH.read_text())
    text = "Skills: Python, SQL"
    X = featurize(candidates(text, model._tagger), text, model.vectors, model.taxonomy)
    session = model._session
    assert X.shape[1] == session.get_inputs()[0].shape[1] == len(spec["features"])
    p = model.probabilities_from_features(X)
    assert p.shape == (len(X),) and ((p >= 0) & (p <= 1)).all()
    assert spec["features"][: len(FEATURES)] == FEATURES
    assert 0 < spec["thresholds"]["resume"] < 1 and 0 < spec["thresholds"]["job"] < 1
    assert 0.5 < spec["link_threshold"] < 1
    assert spec["calibration"]["expected_calibration_error"] < 0.1
    trained_on = spec["training"]["resumes"] + spec["training"]["job_descriptions"]
    assert trained_on and all("_tune" in path for path in trained_on)  # no report set


def test_static_vectors_are_unit_and_link_esco_labels_to_themselves(model):
    vec = model.vectors
    v = vec.static(["wound care", "", "Python"])
    assert np.allclose(np.linalg.norm(v[[0, 2]], axis=1), 1, atol=1e-5)
    assert not v[1].any()
    i = vec.esco_label.index("use spreadsheets software")
    assert int((vec.static(["use spreadsheets software"]) @ vec.esco_static.T).argmax()) == i
    assert vec.esco_by_name["use spreadsheets program"] == i  # an alternative label, by name


def test_context_features_say_how_a_phrase_stands_in_its_line(model):
    text = "Summary\nAnalyst at Northwind Traders, 2015 - 2019\nExpert in Excel and SQL"
    cands = [Candidate("Northwind Traders", 19, 36, "noun", "experience", 1)]
    cands.append(
        Candidate("Excel", text.index("Excel"), text.index("Excel") + 5, "noun", "other", 1)
    )
    X = featurize(cands, text, model.vectors, model.taxonomy)
    col = {name: i for i, name in enumerate(FEATURES)}
    employer, tool = X
    assert employer[col["previous_word_at"]] == 1 and employer[col["line_has_year"]] == 1
    assert tool[col["previous_word_in"]] == 1 and tool[col["line_has_year"]] == 0
    assert 0 < tool[col["position_in_line"]] < 1 and tool[col["initial_capital"]] == 1


@pytest.mark.parametrize(
    "phrase, organisation",
    [
        ("Cascade Paws Animal Hospital", True),
        ("Alberta College of Pharmacy", True),
        ("Bayline Freight Inc.", True),
        ("Whitcombe Reyes LLP", True),
        ("Siemens PLC", False),  # a programmable logic controller
        ("Hospital", False),
        ("hospital administration", False),
        ("Bank reconciliation", False),
    ],
)
def test_organisation_names_are_not_skills(phrase, organisation):
    assert names_organisation(phrase) is organisation


@pytest.fixture(scope="module")
def nouns():
    return json.loads(NOMINALS_PATH.read_text())["nouns"]


@pytest.mark.parametrize(
    "phrase, skill",
    [
        ("reconciled bank accounts", "bank account reconciliation"),
        ("planned events", "event planning"),
        ("managed our vendors", "vendor management"),
        ("administered IV antibiotics", "IV antibiotic administration"),
        ("onboarded new employees", "employee onboarding"),
        ("designed websites", "website design"),
        ("processed insurance claims", "insurance claim processing"),
        ("maintained HVAC equipment", "HVAC equipment maintenance"),
        ("managed Kubernetes clusters", "Kubernetes cluster management"),
        ("fixed production bugs", "production bug fixing"),
        ("billed insurance claims", "insurance claim billing"),
        ("performed audits", None),  # a light verb: the object is the skill
        ("led a team of 12", None),  # not an object of words
        ("reconciled", None),
        ("coordinated the shipping of parts to all regional warehouses", None),  # too long
    ],
)
def test_an_action_is_named_by_its_noun(nouns, phrase, skill):
    assert nominal_form(phrase, nouns) == skill


@pytest.mark.parametrize(
    "plural, one",
    [
        ("accounts", "account"), ("policies", "policy"), ("batches", "batch"),
        ("classes", "class"), ("antibiotics", "antibiotic"), ("logistics", "logistics"),
        ("sales", "sales"), ("analysis", "analysis"), ("status", "status"), ("HVAC", "HVAC"),
        ("Kubernetes", "Kubernetes"), ("APIs", "APIs"),
    ],
)  # fmt: skip
def test_singular(plural, one):
    assert singular(plural) == one


def test_a_skill_stated_by_an_action_keeps_what_was_written(model, tax):
    text = (
        "Experience\nStaff Accountant, 2016 - 2020\n"
        "- Reconciled bank accounts and prepared monthly financial statements\n"
        "- Processed vendor invoices and managed accounts payable\n"
    )
    skills = find_skills(text, tax, semantic=model)
    for s in skills:
        if s.stated_as is not None:
            a, b = s.evidence_spans[0].start_char, s.evidence_spans[0].end_char
            assert text[a:b] == s.stated_as and s.stated_as.split()[0][:4] != s.name[:4]
            assert nominal_form(s.stated_as, model.nouns) in (s.name, None) or s.match == "alias"
    by_name = {s.name: s for s in skills}
    assert "reconciled bank accounts" not in {n.lower() for n in by_name}
    assert by_name["bank account reconciliation"].stated_as == "Reconciled bank accounts"
    assert by_name["accounts payable"].stated_as is None  # named by the taxonomy as written


def test_skills_match_credits_narrower_and_broader_esco_skills(tax):
    resume = find_skills("Skills\nHaskell, Git, KDevelop", tax)
    m = skills_match(
        resume,
        taxonomy=tax,
        job_description="Requirements:\n- Computer programming\n- Integrated development "
        "environment software\n- PostgreSQL",
        words=None,
    )
    how = {j.name: (j.resume_skill, j.matched_by) for j in m.job_skills}
    assert how["computer programming"] == ("Haskell", "narrower_skill")
    assert how["integrated development environment software"] == ("KDevelop", "narrower_skill")
    assert how["PostgreSQL"] == (None, None) and "PostgreSQL" in m.missing
    broader = skills_match(
        find_skills("Skills\ncomputer programming", tax),
        taxonomy=tax,
        job_description="Requirements:\n- Haskell",
        words=None,
    )
    assert [(j.resume_skill, j.matched_by, j.on_resume) for j in broader.job_skills] == [
        ("computer programming", "broader_skill", False)
    ]
    assert broader.missing_required == ["Haskell"]  # shown as related, not counted
    haskell = tax.skills[tax.name_index["Haskell"]]["id"]
    programming = tax.skills[tax.name_index["computer programming"]]["id"]
    assert tax.broader[haskell] == [programming]


def test_specific_phrasings_keep_their_name_and_count_for_the_general_skill(tax):
    # common_skills.csv's broader column: "copywriting" is a kind of writing, "oral
    # communication" names verbal communication, a kind of communication
    resume = find_skills("Skills\nCopywriting, oral communication, staff management", tax)
    assert {"copywriting", "verbal communication", "staff management"} <= {s.name for s in resume}
    m = skills_match(
        resume,
        taxonomy=tax,
        job_description="Requirements:\n- Writing\n- Communication\n- Report writing",
        words=None,
    )
    how = {j.name: (j.resume_skill, j.matched_by) for j in m.job_skills}
    assert how["writing"] == ("copywriting", "narrower_skill")
    assert how["communication"] == ("verbal communication", "more_specific")
    assert m.missing_required == ["report writing"]  # a sibling, not the same skill
    copywriting = tax.skills[tax.name_index["copywriting"]]["id"]
    assert tax.broader[copywriting] == [tax.skills[tax.name_index["writing"]]["id"]]


def test_a_resume_skill_in_another_word_form_covers_the_job_skill(tax):
    budget = Skill(
        name="Budget",
        category="skill",
        source="resume",
        source_id=None,
        match="unlinked",
        mentions=1,
        evidence=["Budget"],
        evidence_spans=[TextSpan(start_char=7, end_char=13)],
    )
    m = skills_match(
        [budget],
        taxonomy=tax,
        job_description="Requirements:\n- Budgeting\n- Marketing plans",
        words=None,
    )
    how = {j.name: (j.resume_skill, j.matched_by) for j in m.job_skills}
    assert how["budgeting"] == ("Budget", "same_name")
    assert "budgeting" not in m.missing


def test_an_ambiguous_tool_counts_in_a_bulleted_list_that_names_a_tool(tax):
    def names(text):
        return {s.name for s in find_skills(text, tax)}

    assert "Python" in names("Requirements:\n- SQL\n- Python\n- Apache Kafka")
    assert "Python" not in names("Requirements:\n- Python")  # a snake, for all we know
    assert "Python" not in names("Requirements:\n- SQL\n\nPets:\n- Python")  # another list


@pytest.mark.parametrize(
    "text, skill, found, kind",
    [
        (
            "We're hiring a Site Reliability Engineer to run Kubernetes.",
            "recruitment",
            False,
            "job",
        ),
        ("We are now recruiting nurses.", "recruitment", False, "job"),
        # on a resume the same words are the person's own work
        ("Currently recruiting engineers for three teams.", "recruitment", True, "resume"),
        ("Skills: hiring, onboarding, payroll", "recruitment", True, "resume"),
        ("Led hiring for 3 stores", "recruitment", True, "resume"),
        ("Kubernetes, Terraform and AWS daily; Python for internal tooling", "Python", True, "job"),
        ("Kubernetes, Terraform and AWS daily; be Swift to escalate", "Swift", False, "job"),
        ("Dashboards in Grafana and Prometheus", "Grafana Labs Grafana Cloud", True, "resume"),
        ("Skills: Java, Spring, Hibernate, Kubernetes", "Spring Framework", True, "resume"),
        (
            "Skills: Java, Kubernetes, Terraform, AWS\nDean's list: Fall 2021, Spring 2022",
            "Spring Framework",
            False,
            "resume",
        ),
        ("Bookkeeping in Sage, QuickBooks and Excel", "Sage Accounting", True, "resume"),
        # a product's name in its own capitals needs no technical context; the word does not
        ("Documented care in Epic for 30 patients", "Epic Systems", True, "resume"),
        ("Tracked the pipeline in Salesforce", "Salesforce", True, "resume"),
        ("Kept HRIS records accurate in Workday", "Workday", True, "resume"),
        ("Long shifts made every workday a challenge", "Workday", False, "resume"),
        ("Organised the Epic Games esports night", "Epic Systems", False, "resume"),
        ("Cloud/DevOps: Docker, Kubernetes", "Google Cloud", False, "resume"),
        (
            "Skills: Excel 2016, Word 2016, Outlook 2019, Python, SQL",
            "Microsoft Excel",
            True,
            "resume",
        ),
    ],
)
def test_gazetteer_context(tax, text, skill, found, kind):
    assert (skill in {s.name for s in find_skills(text, tax, kind=kind)}) is found


@pytest.mark.parametrize(
    "phrase, name",
    [
        ("such as hydraulic presses", "hydraulic presses"),
        ("Investigational research for", "Investigational research"),
        ("our document management system", "document management system"),
        ("Quality Control Analyst 01/1981", "Quality Control Analyst"),
        ("C++ and", "C++"),
        ("A/B testing", "A/B testing"),
        ("R&D", "R&D"),
        ("of the", ""),
        ("2019 -", ""),
    ],
)
def test_an_unlinked_phrase_is_named_without_its_function_words_and_dates(phrase, name):
    from resume.skills import skill_name

    assert skill_name(phrase) == name


def test_no_reported_name_starts_or_ends_with_a_function_word_or_a_date(model, tax):
    text = (
        "Summary\nMaintenance mechanic with 10 years on production equipment, such as "
        "hydraulic presses, auger fillers and conveyors.\n"
        "Experience\nQuality Control Analyst 01/1981 to 02/1990 Company Name\nPerformed assays.\n"
    )
    names = [s.name for s in find_skills(text, tax, semantic=model, kind="resume")]
    edge = {"such", "for", "my", "of", "and", "the", "to", "as"}
    assert names
    assert not [n for n in names if {n.split()[0].lower(), n.split()[-1].lower()} & edge]
    assert not [n for n in names if re.search(r"(?:19|20)\d\d$", n)]


def test_what_a_posting_asks_one_to_join_is_no_skill(model, tax):
    text = (
        "Join Oracle Health as a ward nurse: administer medications, monitor vital signs and "
        "document care in Epic. You will be joining Northwind Care Partners."
    )
    names = {s.name for s in find_skills(text, tax, semantic=model, kind="job")}
    assert "Epic Systems" in names, names
    assert not [n for n in names if "Oracle" in n or "Northwind" in n], names


def test_a_phrase_of_found_skills_and_framing_words_is_not_a_skill_of_its_own(model, tax):
    text = (
        "Experience\nTeacher, 2018 - 2023\n"
        "- Planned lessons in Canvas and Google Classroom.\n"
        "- Led advanced VFD troubleshooting for the plant's technicians.\n"
    )
    names = {s.name for s in find_skills(text, tax, semantic=model, kind="resume")}
    assert {"Canvas", "Google Classroom"} <= names, names
    assert not [n for n in names if "Canvas" in n and "Classroom" in n], names


@pytest.mark.parametrize(
    "text, go",
    [
        ("Build services in Python, Kafka and Spark on AWS, in Go or Rust, with SQL.", True),
        ("Python, Kafka, Spark, AWS and SQL; experience with Go-live support for ERP.", False),
        ("Python, Kafka, Spark, AWS and SQL. Ready to go to market and go the extra mile.", False),
    ],
)
def test_go_counts_where_it_is_named_with_other_languages_only(model, tax, text, go):
    names = {s.name for s in find_skills(text, tax, semantic=model, kind="job")}
    assert ("Go" in names) is go, names


def test_java_after_in_and_a_town_before_a_state_code(model, tax):
    text = (
        "Experience\nSoftware Engineer, Acme, 2019 - 2023\n"
        "- Built REST APIs in Java with Spring Boot; deployed on AWS with Docker and Terraform.\n"
        "- Operated forklifts safely in Mobile, AL and trained staff.\n"
    )
    names = {s.name for s in find_skills(text, tax, semantic=model, kind="resume")}
    assert "Java" in names, names
    assert not [n for n in names if "Mobile" in n], names


def test_a_bullet_of_clauses_is_prose_even_when_one_clause_is_short(model):
    text = "Experience\n- Administered medications, monitored vital signs and educated patients.\n"
    found = {(c.kind, c.text) for c in candidates(text, model._tagger)}
    assert ("verb", "administered medications") in found, found
    assert ("list", "Administered medications") not in found, found


def test_a_heading_is_no_mention_and_a_job_title_is_named_by_its_skill(model, tax):
    text = (
        "MANAGER AND EXECUTIVE CHEF\nProfile\nCalm cook who runs busy kitchens.\n\n"
        "Professional Experience\nManager and Executive Chef\n"
        "Payroll Administrator\nJanuary 2019 to Current\n"
        "- Processed payroll for 300 staff in ADP\n"
        "Service Technician\nMarch 2015 to December 2018\n"
        "- Repaired walk-in coolers\n"
    )
    found = find_skills(text, tax, semantic=model)
    names = {s.name for s in found}
    # "Profile" (Cerner ProFile) and "Experience / Manager" (Adobe Experience Manager) are headings
    assert not any("ProFile" in n or "Experience Manager" in n for n in names), names
    # a title is reported by the skill it names, never as the title
    assert not any(n.endswith(("Administrator", "Technician")) for n in names), names
    assert "payroll administration" in names or "payroll" in names, names


def test_mojibake_in_a_resume_is_read_as_written():
    text = "Skills\nprepping, sautÃ©ing, grilling\nSkilledÂ Maintenance Mechanic\n" * 2
    got = extract_text(make_docx(text)).text
    assert "sautéing" in got and "Â" not in got


def test_a_chefs_title_and_a_kitchens_cuisine_are_not_a_tool_or_a_language(model, tax):
    text = (
        "Skills: Python, Terraform, Kubernetes, Jenkins, Ansible\n"
        "Manager and Executive Chef\nOctober 2014 to Current\n"
        "- Worked with Owner and Executive Chef Ernest Bledsoe on European and French Cuisine\n"
        "Languages: Spanish\n"
    )
    names = {s.name for s in find_skills(text, tax, semantic=model)}
    assert "Chef" not in names and "French" not in names, names
    assert {"Spanish", "Ansible"} <= names, names
