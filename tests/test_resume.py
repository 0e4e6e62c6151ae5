import gzip
import json

import pytest

from contracts.errors import CorruptFile, NoExtractableText, UnsupportedType
from resume.extract import extract_text, sniff_document
from resume.skills import TAXONOMY_PATH, find_skills
from tests.conftest import make_docx, make_image_pdf, make_pdf, png_bytes, shared


def names(text):
    return {s.name for s in find_skills(text)}


def test_pdf_and_docx_give_the_same_text_and_skills():
    pdf, docx = extract_text(make_pdf()), extract_text(make_docx())
    assert pdf.format == "pdf" and pdf.pages == 1
    assert docx.format == "docx" and docx.pages is None
    assert names(pdf.text) == names(docx.text)
    assert {
        "Python",
        "React",
        "Go",
        "SQL",
        "Docker",
        "Kubernetes",
        "C++",
        "Microsoft Excel",
        "Microsoft Word",
        "English",
        "French",
    } <= names(pdf.text)


@pytest.mark.parametrize("spelling", ["React.js", "react", "ReactJS", "React JS", "reactjs"])
def test_punctuation_and_case_variants(spelling):
    assert "React" in names(f"Frontend skills: {spelling}, TypeScript, HTML")


def test_common_aliases():
    found = names("Skills: Golang, k8s, JS, Postgres")
    assert {"Go", "Kubernetes", "JavaScript", "PostgreSQL"} <= found


def test_plain_english_words_are_not_skills():
    found = names(
        "I excel at communication and I go to market quickly. Please access the word list."
    )
    assert not found & {"Go", "Microsoft Excel", "Microsoft Access", "Microsoft Word"}
    assert "communication" in found


def test_a_language_naming_the_pupils_is_not_a_language_known():
    assert "English" not in names("Taught English language learners and English Language Arts.")
    assert {"English", "Spanish"} <= names("Languages: English, Spanish. Tutored ESL learners.")


def test_a_chefs_resume_is_not_about_chef_the_tool():
    assert "Chef" not in names("SOUS CHEF\nWorked as Sous Chef at a busy restaurant. Managed POS.")
    assert "Chef" in names("DevOps: Ansible, Chef, Puppet, Terraform, Jenkins, Docker.")


def test_contact_data_is_not_evidence():
    assert "LinkedIn" not in names("jane@example.com | linkedin.com/in/jane | github.com/jane")


def test_acronyms_match_in_capitals_only():
    assert "Amazon Web Services (AWS)" in names(
        "Deployed on AWS, Docker and Kubernetes with Python."
    )
    assert not names("He was in San Francisco with aws") & {"Amazon Web Services (AWS)"}


def test_skill_fields_and_evidence():
    skills = {s.name: s for s in find_skills("Python, SQL. I wrote Python daily in Python 3.")}
    py = skills["Python"]
    assert py.mentions == 3 and py.category == "technical" and py.source in ("ESCO", "O*NET")
    assert 1 <= len(py.evidence) <= 3 and all("Python" in e for e in py.evidence)


def test_taxonomy_has_sources_and_ids():
    with gzip.open(TAXONOMY_PATH, "rt") as f:
        tax = json.load(f)
    assert len(tax["skills"]) > 10_000
    for s in tax["skills"][:: len(tax["skills"]) // 50]:
        if s["source"] == "ESCO":
            assert s["id"].startswith("http://data.europa.eu/esco/skill/")
        elif s["source"] == "O*NET":
            assert s["id"].startswith("onet:")
        else:
            assert s["source"] == "curated" and s["id"].startswith("caa:")


def test_a_named_tool_is_not_swallowed_by_a_group_concept():
    # ESCO lists "git" and "css" among the alternative labels of broader concepts
    names = {s.name for s in find_skills("Tools: Git, Jenkins, Docker. Built pages in CSS.")}
    assert {"Git", "CSS"} <= names
    assert "tools for software configuration management" not in names
    assert "style sheet languages" not in names


def test_spelled_acronyms_and_vendor_less_product_names():
    text = "Built course pages in HTML and XML; recorded lessons with Camtasia; LabVIEW, SSH."
    found = names(text)
    assert {
        "Hypertext markup language (HTML)",
        "Extensible markup language (XML)",
        "TechSmith Camtasia",
        "National Instruments LabVIEW",
        "Secure shell (SSH)",
    } <= found
    assert "computer programming" not in found  # ESCO's alternative label "LabVIEW"
    # an acronym that is an English word is matched only in its long form
    assert not names("FIRST AID AND CPR CERTIFIED. PAST EXPERIENCE.") & {
        "Fire Simulation Technique (FIRST)",
        "Paleontological Statistics (PAST)",
    }
    # a vendor's product word that is an English word does not stand alone
    assert "Infinity QS ProFicient" not in names("Proficient in Microsoft Excel.")


def test_acronym_spelling_rule():
    from scripts.build_taxonomy import is_acronym_of

    assert is_acronym_of("SQL", "Structured query language".split(), loose=False)
    assert is_acronym_of("HTML", "Hypertext markup language".split())
    assert not is_acronym_of("HTML", "Hypertext markup language".split(), loose=False)
    assert is_acronym_of("XML", "Extensible markup language".split())
    assert not is_acronym_of("ERP", "Sage 100".split())
    assert not is_acronym_of("PHP", "Hypertext preprocessor".split())


def test_plural_and_singular_multiword_skills_match():
    one = {s.name for s in find_skills("Trained a neural network on sales records.")}
    many = {s.name for s in find_skills("Trained neural networks on sales records.")}
    assert one & many and one == many


def test_ambiguous_tools_count_in_a_skills_section_list():
    text = "Work History\nClerk, 2019\nSkills\nEnglish, Finance, Access, Excel, Word, Sales\n"
    names = {s.name for s in find_skills(text)}
    assert {"Microsoft Access", "Microsoft Excel", "Microsoft Word"} <= names
    # the same words in prose, outside a skills section and without technical context, do not
    prose = "Work History\nI had access to the word of the excel team.\n"
    assert not {"Microsoft Access", "Microsoft Excel", "Microsoft Word"} & {
        s.name for s in find_skills(prose)
    }


def test_type_is_judged_by_content(face_rgb):
    with pytest.raises(UnsupportedType):
        sniff_document(png_bytes(face_rgb[:50, :50]))
    with pytest.raises(UnsupportedType):
        extract_text(b"just some text that claims to be a pdf")


def test_scanned_pdf_has_no_text(face_rgb):
    with pytest.raises(NoExtractableText):
        extract_text(make_image_pdf(face_rgb[::8, ::8]))


def test_corrupt_documents():
    with pytest.raises(CorruptFile):
        extract_text(make_pdf()[:400])
    with pytest.raises(CorruptFile):
        extract_text(make_docx()[:500])


def test_people_skills_stated_as_actions():
    def names(text):
        return {s.name for s in find_skills(text)}

    assert "staff training" in names("Trained new employees on the register.")
    assert "supervision" in names("Supervised a team of 12 technicians.")
    assert {"supervision", "staff training"} <= names("Trained and supervised new staff.")
    assert "mentoring" in names("Mentored junior developers.")
    # the object must be people at work
    assert "staff training" not in names("Trained in CPR and first aid.")
    assert "supervision" not in names("Supervised the installation of pumps.")


def test_skills_stated_by_the_verb_that_opens_a_statement():
    assert "negotiation" in names("• Negotiate supply vendor contracts")
    assert "forecasting" in names("Prepared reports. Forecasted operating costs.")
    assert {"recruitment", "communication"} <= names(
        "Recruited 12 nurses; communicated with clients."
    )
    # not inside a sentence, and not a noun that is also a verb
    assert "scheduling" not in names("Attended a scheduled meeting.")
    assert "forecasting" not in names("The sales forecast was met.")
    assert "budgeting" not in names("Budget: $4M")


def test_interests_are_not_skills():
    text = "Skills\nBookkeeping, payroll\nInterests\nGardening, photography, yoga\n"
    found = names(text)
    assert "bookkeeping" in found
    assert not found & {"landscaping", "photography", "yoga"}
    assert "landscaping" not in names("Interests Church activities, Gardening, Baseball.")


def test_ambiguous_tools_listed_together_corroborate_each_other():
    found = names("Answered customers on social media outlets:\nInstagram, Facebook, TripAdvisor.")
    assert {"Instagram", "Facebook"} <= found
    assert "Facebook" not in names("Posted our menu on Facebook every week.")


@pytest.fixture(params=["pdftotext", "pypdf"])
def pdf_reader(request):
    from resume.extract import pdftotext

    if request.param == "pdftotext" and pdftotext() is None:
        pytest.skip("Poppler's pdftotext is not installed")
    return request.param == "pdftotext"


def _encrypted_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.cell(0, 6, "Python, SQL and Docker for eight years.")
    return bytes(pdf.output())


def test_both_pdf_readers_give_the_text_and_the_errors(pdf_reader, face_rgb):
    text = extract_text(make_pdf(), use_pdftotext=pdf_reader)
    assert text.pages == 1
    assert text.extractor.split()[0] == ("pdftotext" if pdf_reader else "pypdf")
    assert names(text.text) == names(extract_text(make_docx()).text)
    with pytest.raises(CorruptFile):
        extract_text(make_pdf()[:400], use_pdftotext=pdf_reader)
    with pytest.raises(CorruptFile, match="password"):
        extract_text(_encrypted_pdf(), use_pdftotext=pdf_reader)
    with pytest.raises(NoExtractableText):
        extract_text(make_image_pdf(face_rgb[::8, ::8]), use_pdftotext=pdf_reader)


def test_real_resume_pdfs_read_alike_by_both_readers():
    from resume.extract import pdftotext

    if pdftotext() is None:
        pytest.skip("Poppler's pdftotext is not installed")
    path = shared("resumes", "livecareer_by_category", "ENGINEERING", "10219099.pdf")
    fast = extract_text(path.read_bytes())
    slow = extract_text(path.read_bytes(), use_pdftotext=False)
    assert fast.pages == slow.pages == 2
    words = set(fast.text.split())
    assert len(words & set(slow.text.split())) >= 0.95 * len(set(slow.text.split()))
    # pdftotext reads its two-column skills block line by line across the columns, which
    # splits "Customer / Service skills"; over the 137 PDFs of ../shared/data 9 differ
    # (docs/decisions/0010)
    assert len(names(fast.text) ^ names(slow.text)) <= 1
