"""Build the skills taxonomy the resume matcher uses, from ../shared/data/skills.

    python -m scripts.build_taxonomy [--data ../shared/data/skills]

Sources (in priority order; an alias claimed by an earlier skill is not reused):
  1. ESCO v1.2.0 digital skills collection (preferred + alternative labels) -> technical
  2. ESCO v1.2.0 language skills collection, knowledge items (English, French, ...) -> language
  3. resume/data/common_skills.csv: common resume phrasings of general skills ("time
     management", "customer service"), written for this project (CC0), each linked to the ESCO
     concept it names where the data here has one -> soft / skill / knowledge
  4. ESCO v1.2.0 transversal skills collection (preferred + alternative labels) -> soft
  5. O*NET 28 Technology Skills examples (software and tools), vendor prefix and trailing
     acronym variants -> tool (technical for programming languages / development software)
  6. ESCO cross-sector and transversal skills (preferred labels only: the alternative labels of
     that file are misaligned with their rows) -> skill / soft
ESCO (c) European Union, https://esco.ec.europa.eu, reused under Commission Decision 2011/833/EU.
O*NET 28 (U.S. Department of Labor, Employment and Training Administration), CC BY 4.0.

Each single-word alias gets an ambiguity level from its English word frequency (wordfreq, Zipf
scale; build time only): 0 = always a skill ("kubernetes"), 1 = a skill when listed or
capitalised mid-sentence ("python", "react"), 2 = a skill only in a list ("go", "word").
Writes resume/data/skills_taxonomy.json.gz.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import logging
import re
from collections import Counter
from pathlib import Path

from resume.normalize import norm_phrase

log = logging.getLogger("build_taxonomy")
REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "resume" / "data" / "skills_taxonomy.json.gz"
COMMON_SKILLS = REPO / "resume" / "data" / "common_skills.csv"
VERSION = "1.7.0"
ZIPF_CASE_OR_LIST = 3.5
ZIPF_LIST_ONLY = 4.8
ZIPF_PRODUCT_NAME = 1.8  # a product word rarer than this is a name ("Camtasia", not "Plotter")
ZIPF_CAMELCASE_NAME = 2.5  # the same for CamelCase words ("LabVIEW"; not "ProFicient")
ZIPF_ACRONYM_WORD = 3.0  # a spelled acronym this common, with a vowel, is a word ("FIRST")
ZIPF_GENERAL = 4.0  # single words at least this common are not general-skill aliases
# Aliases too generic to mean a skill on their own, whatever the source says.
STOP_ALIASES = {
    "",
    "software",
    "tool",
    "tools",
    "data",
    "system",
    "systems",
    "management",
    "design",
    "development",
    "analysis",
    "programming",
    "computer",
    "internet",
    "web",
    "email",
    "mail",
    "office",
    "online",
    "digital",
    "technology",
    "information",
    "network",
    "services",
    "planning",
    "research",
    "training",
    "testing",
    "support",
    "security",
    "cloud",
    "language",
    "a",
    "i",
}
# Common aliases the sources lack: canonical skill name (as built) -> extra spellings.
# Aliases marked with a leading "=" match only in that exact case ("AI" but not "ai").
CURATED_ALIASES = {
    "Go": ["Golang"],
    "JavaScript": ["JS", "ECMAScript", "ES6"],
    "TypeScript": ["TS"],
    "Kubernetes": ["k8s"],
    "Grafana Labs Grafana Cloud": ["Grafana"],
    "PostgreSQL": ["Postgre"],
    "artificial intelligence": ["=AI"],
    "machine learning": ["=ML"],
    "Continuous integration software": ["continuous integration", "CI/CD", "CI CD"],
    "Microsoft Word": ["MS Word", "MS-Word"],
    "Microsoft PowerPoint": ["MS PowerPoint", "PPT"],
    "Microsoft Office": ["MS Office", "MS-Office"],
    "Epic Systems": ["=Epic", "Epic EHR", "Epic EMR", "Epic Hyperspace"],
    "operate forklift": ["forklift", "forklifts", "forklift operation", "forklift operator"],
    "R": ["=R"],
    "C": ["=C"],
    # Products better known by their short name than by the vendor's (O*NET lists the long
    # one; ESCO's "SPARK", a programming language, held "spark" only in capitals)
    "Apache Spark": ["Spark"],
    "Apache Airflow": ["Airflow"],
    "ADP Workforce Now": ["=ADP"],
    "Rust programming language": ["Rust"],
    "Spring Framework": ["Spring"],
    "Sage Accounting": ["Sage"],
    "Sage 50 Accounting": ["Sage 50"],
    "Microservices Architecture": ["microservices", "microservice architecture"],
    "Microsoft Excel": ["MS Excel", "MS-Excel"],
}
# Display names for skills whose source name carries a generic tail.
CURATED_NAMES = {"Rust programming language": "Rust"}
PROGRAMMING_TITLES = (
    "Object or component oriented development software",
    "Development environment software",
    "Programming language",
    "Web platform development software",
    "Compiler and decompiler software",
)


def clean_label(label: str) -> str:
    return re.sub(r"\s+", " ", label).strip()


def strip_parenthetical(label: str) -> str:
    return clean_label(re.sub(r"\([^)]*\)", " ", label))


def js_variants(phrase: str) -> set[str]:
    """'react js' <-> 'reactjs' <-> 'react' (norm_phrase forms)."""
    out = {phrase}
    toks = phrase.split()
    if len(toks) >= 2 and toks[-1] == "js":
        stem = " ".join(toks[:-1])
        out |= {stem, stem + "js"}
    elif len(toks) == 1 and toks[0].endswith("js") and len(toks[0]) > 4:
        stem = toks[0][:-2]
        out |= {stem, stem + " js"}
    return out


def label_phrases(labels: list[str]) -> set[str]:
    """The normalised alias phrases a list of labels yields (as :meth:`Builder.add` makes them)."""
    out = set()
    for label in labels:
        for variant in (label, strip_parenthetical(label)):
            out |= {p for p in js_variants(norm_phrase(variant)) if p not in STOP_ALIASES}
    return {p for p in out if len(p) >= 2}


class Builder:
    """Skills in priority order; an alias goes to the first skill that claims it, except that
    a skill's own name (``reserve``) is never taken as another skill's alternative label: ESCO
    lists "git" among the alternative labels of "tools for software configuration management"
    and "css" under "style sheet languages", while ESCO's "CSS" and O*NET's "Git" name them."""

    def __init__(self) -> None:
        self.skills: list[dict] = []
        self.alias_owner: dict[str, int] = {}
        self.case_sensitive: dict[str, str] = {}
        self.reserved: dict[str, str] = {}

    def reserve(self, source_id: str, labels: list[str]) -> None:
        """Keep the alias phrases of ``labels`` for the skill ``source_id`` (first reservation
        wins)."""
        for phrase in label_phrases(labels):
            self.reserved.setdefault(phrase, source_id)

    def add(
        self,
        name: str,
        category: str,
        source: str,
        source_id: str,
        labels: list[str],
        acronyms: tuple[str, ...] = (),
    ) -> None:
        aliases = {p for p in label_phrases(labels) if self.reserved.get(p, source_id) == source_id}
        for acronym in acronyms:
            phrase = norm_phrase(acronym)
            if (
                phrase
                and phrase not in self.alias_owner
                and phrase not in STOP_ALIASES
                and self.reserved.get(phrase, source_id) == source_id
            ):
                aliases.add(phrase)
                self.case_sensitive.setdefault(phrase, acronym)
        fresh = sorted(a for a in aliases if a not in self.alias_owner)
        if not fresh and len(norm_phrase(name)) != 1:  # one-letter names get curated aliases
            return
        idx = len(self.skills)
        for a in fresh:
            self.alias_owner[a] = idx
        self.skills.append(
            {
                "name": name,
                "category": category,
                "source": source,
                "id": source_id,
                "aliases": fresh,
            }
        )

    def add_curated(self) -> None:
        by_name = {s["name"]: i for i, s in enumerate(self.skills)}
        for name, extra in CURATED_ALIASES.items():
            if name not in by_name:
                log.warning("curated alias target %r not in the taxonomy", name)
                continue
            idx = by_name[name]
            for alias in extra:
                exact = alias.startswith("=")
                phrase = norm_phrase(alias.lstrip("="))
                old = self.alias_owner.get(phrase)
                if old is not None and old != idx:
                    self.skills[old]["aliases"].remove(phrase)
                self.alias_owner[phrase] = idx
                if phrase not in self.skills[idx]["aliases"]:
                    self.skills[idx]["aliases"].append(phrase)
                if exact:
                    self.case_sensitive[phrase] = alias.lstrip("=")
                else:
                    self.case_sensitive.pop(phrase, None)
        for old_name, new_name in CURATED_NAMES.items():
            if old_name in by_name:
                self.skills[by_name[old_name]]["name"] = new_name


def split_acronyms(labels: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """Short mixed- or upper-case labels ('PoS', 'SAN') match only as written, in capitals."""
    plain, acronyms = [], []
    for label in labels:
        letters = re.sub(r"[^A-Za-z]", "", label)
        if " " not in label and 2 <= len(letters) <= 5 and sum(c.isupper() for c in letters) >= 2:
            acronyms.append(label.upper() if label.upper() == label else label)
        else:
            plain.append(label)
    return plain, tuple(acronyms)


def esco_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r.get("preferredLabel")]


def esco_broader(esco: Path) -> dict[str, list[str]]:
    """ESCO skill URI -> the URIs of its broader *skills* (not skill groups), as the ESCO
    collections state them (``broaderConceptUri``: "Haskell" -> "computer programming"); ESCO's
    full broader-relations table is not in the data, so skills outside a collection have none."""
    groups = {r["conceptUri"] for r in esco_rows(esco / "skillGroups_en.csv")}
    out: dict[str, set[str]] = {}
    for path in sorted(esco.glob("*Collection_en.csv")):
        for r in esco_rows(path):
            for uri in (r.get("broaderConceptUri") or "").split("|"):
                uri = uri.strip()
                if "/esco/skill/" in uri and uri not in groups and uri != r["conceptUri"]:
                    out.setdefault(r["conceptUri"], set()).add(uri)
    return {k: sorted(v) for k, v in sorted(out.items())}


def common_broader(common: list[tuple], parents: dict[str, str]) -> dict[str, list[str]]:
    """A common skill's id -> [its broader common skill's id], from common_skills.csv's
    ``broader`` column ("written communication" -> "communication"): the specific phrasings a
    resume states are reported by their own name, and skills_match still credits them for the
    general skill a job asks."""
    ids = {name: source_id for name, _, _, source_id, _, _ in common}
    missing = sorted(set(parents.values()) - set(ids))
    if missing:
        raise ValueError(f"broader common skills not in common_skills.csv: {missing}")
    return {child: [ids[parent]] for child, parent in sorted(parents.items())}


def alt_labels(row: dict) -> list[str]:
    return [clean_label(a) for a in re.split(r"\n|\|", row.get("altLabels") or "") if a.strip()]


def is_acronym_of(token: str, words: list[str], loose: bool = True) -> bool:
    """'SQL' for 'Structured query language', 'HTML' for 'Hypertext markup language', 'XML' for
    'Extensible markup language'; not 'ERP' for 'Sage 100' (a category, not a name).

    The acronym is the initials of its last words, or spells all the words in order: a letter
    from inside the first word, then each further word's initial, optionally followed by more
    letters from inside that word (HyperText Markup Language)."""
    if not re.fullmatch(r"[A-Z][A-Z0-9/+#.-]{1,9}", token):
        return False
    letters = "".join(c.lower() for c in token if c.isalpha())
    alpha = [w.lower() for w in words if w[:1].isalpha()]
    initials = [w[0] for w in alpha]
    if len(letters) < 2:
        return False
    if initials[-len(letters) :] == list(letters):
        return True
    return loose and len(alpha) >= 2 and _spells(letters, alpha, initial=False)


def _spells(letters: str, words: list[str], initial: bool) -> bool:
    """``letters`` taken in order from ``words``: each word gives at least one letter, its
    initial when ``initial`` (every word after the first), then any later letters of it."""
    if not words:
        return not letters
    if not letters:
        return False
    word, rest = words[0], words[1:]
    starts = [0] if initial else [i for i, c in enumerate(word) if c == letters[0]]
    for start in starts:
        if word[start] != letters[0]:
            continue
        pos, k = start + 1, 1
        # take 0..n further letters from this word, trying the next word after each
        while True:
            if _spells(letters[k:], rest, initial=True):
                return True
            if k >= len(letters):
                break
            found = word.find(letters[k], pos)
            if found < 0:
                break
            pos, k = found + 1, k + 1
    return False


def onet_variants(
    example: str, vendors: set[str], common: bool, zipf=lambda word: 0.0
) -> tuple[str, list[str], tuple[str, ...]]:
    """Display name, labels and case-sensitive acronyms of an O*NET example.

    'Microsoft Excel' -> ('Microsoft Excel', [..., 'Excel'], ()) when widely used (vendor prefix
    dropped); 'Structured query language SQL' -> ('Structured query language (SQL)', [...],
    ('SQL',)): a trailing acronym matches only in capitals ("SAN", not "San Francisco").
    ``zipf(word)``: the word's English frequency (Zipf scale). An acronym that is also a
    common English word ('FIRST', 'PAST', 'DOORS') is not matched, only the long form; a rare
    or CamelCase last word after a vendor ('TechSmith Camtasia', 'National Instruments
    LabVIEW') also names the product alone.
    """
    labels = [example]
    words = example.split()
    base = words[:-1] if len(words) > 1 and words[-1].lower() == "software" else words
    name = example
    acronyms: tuple[str, ...] = ()
    if len(base) < len(words) and len(base) >= 2 and base[-1][:1].isupper():
        # 'Microsoft Office software' -> 'Microsoft Office' (a product, named without 'software')
        name = " ".join(base)
        labels.append(name)
    elif len(words) == 2 and len(base) == 1 and base[0][:1].isupper():
        # 'Salesforce software', 'MEDITECH software': a product's one-word name (not 'Email
        # software'); an English word ('Workday') or capitals only as written
        product = base[0]
        z = zipf(product.lower())
        # 'Debugging software', 'Telephony software' name a kind of software, not a product
        generic = re.search(r"(?:ing|ion|ry|phy|ogy|ny|ty|al|ic|er|s)$|-", product.lower())
        if z < ZIPF_ACRONYM_WORD and (len(product) > 5 or not product.isupper()) and not generic:
            name = product
            if product.isupper() or z >= ZIPF_CAMELCASE_NAME:
                acronyms = (product,)
            else:
                labels.append(product)
    spelled_out = len(base) >= 3 and is_acronym_of(base[-1], base[:-1])
    if spelled_out:
        # Not from the initials alone ('FIRST' for 'Fire Simulation Technique'), and an
        # English word: matched only in its long form.
        is_word = (
            not is_acronym_of(base[-1], base[:-1], loose=False)
            and zipf(base[-1].lower()) >= ZIPF_ACRONYM_WORD
            and re.search("[AEIOU]", base[-1])
        )
        acronyms = () if is_word else (base[-1],)
        labels.append(" ".join(base[:-1]))
        name = f"{' '.join(base[:-1])} ({base[-1]})"
        base = base[:-1]
    if common:
        for n in (2, 1):
            # Only a product name follows a vendor: 'Microsoft Excel', not 'Automated inventory'.
            if len(base) > n and " ".join(base[:n]) in vendors and base[n][:1].isupper():
                labels.append(" ".join(base[n:]))
                break
    last = base[-1]
    if (
        len(base) >= 2
        and not spelled_out
        and base[0][:1].isupper()
        and re.fullmatch(r"[A-Z][A-Za-z]*[a-z][A-Za-z]*", last)
        and not re.fullmatch(r"[A-Z]+s", last)  # a plural acronym ('PDAs')
        and len(last) >= 4
        and zipf(last.lower())
        < (ZIPF_CAMELCASE_NAME if re.search("[A-Z]", last[1:]) else ZIPF_PRODUCT_NAME)
    ):
        # A rare proper word after a vendor names the product on its own: 'TechSmith Camtasia'
        # -> 'Camtasia', 'National Instruments LabVIEW' -> 'LabVIEW'; not 'Oracle Database'.
        labels.append(last)
    return name, labels, acronyms


def build(data: Path) -> dict:
    from wordfreq import zipf_frequency

    def specific(labels: list[str]) -> list[str]:
        """General-skill labels without single common English words ("plan", "lead",
        "schedule"), which name a skill only in ESCO's vocabulary, not in a resume."""
        return [
            lab
            for lab in labels
            if " " in norm_phrase(lab) or zipf_frequency(norm_phrase(lab), "en") < ZIPF_GENERAL
        ]

    esco = data / "esco_v1.2.0"
    digital = esco_rows(esco / "digitalSkillsCollection_en.csv")
    languages = [
        r
        for r in esco_rows(esco / "languageSkillsCollection_en.csv")
        if r["skillType"] == "knowledge"
    ]
    transversal = esco_rows(esco / "transversalSkillsCollection_en.csv")
    moffapps = esco_rows(data / "esco_skills_en_subset_moffapps.csv")
    esco_uri = {}
    for rows in (transversal, digital, moffapps):
        esco_uri.update({r["preferredLabel"].lower(): r["conceptUri"] for r in rows})
    common = []
    parents: dict[str, str] = {}  # a common skill's id -> the name of its broader common skill
    with COMMON_SKILLS.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            aliases = r["aliases"].split("|")
            uri = esco_uri.get(r["esco_label"].lower()) if r["esco_label"] else None
            source_id = uri or f"caa:{r['name'].replace(' ', '-')}"
            common.append(
                (
                    r["name"],
                    r["category"],
                    "ESCO" if uri else "curated",
                    source_id,
                    [a for a in aliases if len(a) > 3],
                    tuple(a.upper() for a in aliases if len(a) <= 3),
                )
            )
            if r["broader"]:
                parents[source_id] = r["broader"]
    with (data / "onet" / "Technology_Skills.txt").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    examples: dict[str, dict] = {}
    for r in rows:
        e = examples.setdefault(
            r["Example"],
            {"code": r["Commodity Code"], "title": r["Commodity Title"], "n": 0, "hot": False},
        )
        e["n"] += 1
        e["hot"] |= r["Hot Technology"] == "Y"
    first = Counter()
    for ex in examples:
        w = ex.split()
        if len(w) >= 2:
            first[w[0]] += 1
            if w[0] == "The" and len(w) >= 3:
                first[" ".join(w[:2])] += 1
    vendors = {v for v, c in first.items() if c >= 5 and v[0].isupper() and v != "The"}
    tools = []
    # More widely used examples first, so they keep the shared aliases.
    for ex, e in sorted(examples.items(), key=lambda kv: (-kv[1]["hot"], -kv[1]["n"], kv[0])):
        category = "technical" if e["title"] in PROGRAMMING_TITLES else "tool"
        name, labels, acronyms = onet_variants(
            ex, vendors, common=e["hot"] or e["n"] >= 3, zipf=lambda w: zipf_frequency(w, "en")
        )
        tools.append((name, category, "O*NET", f"onet:{e['code']}:{ex}", labels, acronyms))

    b = Builder()
    # Names first: ESCO preferred labels, our common skills, O*NET tool names.
    for r in digital + languages:
        b.reserve(r["conceptUri"], [r["preferredLabel"]])
    for _, _, _, source_id, labels, acronyms in common:
        b.reserve(source_id, [*labels, *acronyms])
    for r in transversal:
        b.reserve(r["conceptUri"], specific([r["preferredLabel"]]))
    for _, _, _, source_id, labels, _ in tools:
        b.reserve(source_id, labels)

    for r in digital:
        name = (
            strip_parenthetical(r["preferredLabel"])
            if r["skillType"] == "knowledge"
            else clean_label(r["preferredLabel"])
        )
        plain, acronyms = split_acronyms(alt_labels(r))
        b.add(name, "technical", "ESCO", r["conceptUri"], [r["preferredLabel"], *plain], acronyms)
    for r in languages:
        b.add(
            clean_label(r["preferredLabel"]),
            "language",
            "ESCO",
            r["conceptUri"],
            [r["preferredLabel"], *alt_labels(r)],
        )
    for skill in common:
        b.add(*skill)
    for r in transversal:
        b.add(
            clean_label(r["preferredLabel"]),
            "soft",
            "ESCO",
            r["conceptUri"],
            specific([r["preferredLabel"], *alt_labels(r)]),
        )
    for skill in tools:
        b.add(*skill)
    for r in moffapps:
        category = "soft" if r["reuseLevel"] == "transversal" else "skill"
        b.add(
            clean_label(r["preferredLabel"]),
            category,
            "ESCO",
            r["conceptUri"],
            specific([r["preferredLabel"]]),
        )

    b.add_curated()
    ambiguity = {}
    for alias in b.alias_owner:
        if " " in alias:
            continue
        z = zipf_frequency(alias, "en")
        if len(alias) <= 2 or z >= ZIPF_LIST_ONLY:
            ambiguity[alias] = 2
        elif z >= ZIPF_CASE_OR_LIST:
            ambiguity[alias] = 1
    return {
        "name": "ESCO v1.2.0 + O*NET 28 Technology Skills + curated common skills",
        "version": VERSION,
        "attribution": (
            "ESCO (c) European Union (Decision 2011/833/EU); O*NET 28, U.S. DOL/ETA, CC BY 4.0"
        ),
        "skills": b.skills,
        "broader": {**esco_broader(esco), **common_broader(common, parents)},
        "ambiguity": ambiguity,
        "case_sensitive": b.case_sensitive,
    }


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "skills")
    args = ap.parse_args()
    taxonomy = build(args.data)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(taxonomy, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    with gzip.GzipFile(OUT, "wb", mtime=0) as f:
        f.write(raw)
    log.info(
        "%d skills, %d aliases, %d ambiguous -> %s (%d bytes)",
        len(taxonomy["skills"]),
        sum(len(s["aliases"]) for s in taxonomy["skills"]),
        len(taxonomy["ambiguity"]),
        OUT,
        OUT.stat().st_size,
    )


if __name__ == "__main__":
    main()
