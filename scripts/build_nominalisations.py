"""Build resume/data/nominalisations.json: the action noun of each verb a resume states a skill
with, by its written forms ("reconciled" -> "reconciliation", "planned" -> "planning",
"managing" -> "management"), so that "Reconciled bank accounts" is reported as the skill a
reader lists, "bank account reconciliation" (resume/skills.py, decision 0016).

    python -m scripts.build_nominalisations [--data ../shared/data]

Source: the official ESCO v1.1.1 CSV zip (``skills_en.csv``; CC BY 4.0, European Commission).
ESCO names a skill by a verb phrase ("reconcile accounts") and often also by a compound that
ends in the verb's action noun ("account reconciliation"). For every verb that opens an ESCO
label, the heads of the same skill's other labels that share the label's object words and the
verb's stem are counted over the whole classification, then:

1. a derived noun (-ment, -tion, -al, -ance, -sis ...) when it heads at least MIN_NOMINAL_SHARE
   of the verb's compounds ("maintenance", "installation", "analysis");
2. else the bare verb used as a noun when it heads at least ZERO_SHARE as many compounds as the
   gerund, ESCO compounds the gerund too (so the word is a verb there, not a noun such as
   "ship") and the gerund is rare as a word (Zipf < 4: "design", "repair", "review",
   "research"; not "process", "call");
3. else the gerund ("planning", "testing", "monitoring").

A verb ESCO never compounds ("migrate", "onboard") gets the first of its regular derivations
(-ate -> -ation, -ise -> -isation, -ify -> -ification, else the gerund) that English uses
(wordfreq Zipf frequency >= MIN_ZIPF; the few EXTRA_VERBS of resumes that open no ESCO label,
>= EXTRA_ZIPF). Verbs that
carry no skill of their own ("performed", "provided", "ensured": the skill is their object) are
left out (LIGHT). Each verb is written in its inflected forms (-s, -ed, -ing, a doubled final
consonant, the irregular pasts of IRREGULAR_PAST).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "resume" / "data" / "nominalisations.json"
ESCO_ZIP = "esco_v1.1.1_en_csv.zip"
VERSION = "1.0.0"
MIN_NOMINAL_SHARE = 0.1
ZERO_SHARE = 0.5
MIN_ZIPF = 2.5
EXTRA_ZIPF = 1.5  # the curated EXTRA_VERBS' nouns are newer words ("onboarding", "upselling")
# verbs whose object is the skill ("performed audits", "provided customer service"), and verbs
# of an employer's offer
LIGHT = set(
    "perform provide ensure use utilize utilise support assist help conduct complete achieve "
    "improve increase reduce deliver handle carry take make give work serve act meet participate "
    "demonstrate gain obtain receive keep hold become follow show apply "
    # what an employer does in a posting ("we pay detention", "grow the program", "join us")
    "pay grow find want need love join enjoy welcome value".split()
)
IRREGULAR_PAST = {
    "lead": "led", "build": "built", "teach": "taught", "write": "wrote", "sell": "sold",
    "oversee": "oversaw", "run": "ran", "drive": "drove", "grow": "grew", "speak": "spoke",
    "choose": "chose", "begin": "began", "bring": "brought", "buy": "bought", "find": "found",
    "feed": "fed", "hire": "hired", "draw": "drew", "fight": "fought", "freeze": "froze",
    "hang": "hung", "lay": "laid", "pay": "paid", "read": "read", "rebuild": "rebuilt",
    "rewrite": "rewrote", "set": "set", "shoot": "shot", "sing": "sang", "spend": "spent",
    "split": "split", "sweep": "swept", "think": "thought", "undertake": "undertook",
    "withdraw": "withdrew", "cut": "cut", "put": "put", "send": "sent", "upset": "upset",
    "troubleshoot": "troubleshot",
}  # fmt: skip
# verbs of resumes that open no ESCO label
EXTRA_VERBS = {"onboard", "troubleshoot", "upsell", "migrate", "reconcile", "digitize"}
DERIVED = re.compile(r"(ment|tion|sion|al|ance|ence|sis|ship|ure|ery|age|y)$")
NOT_ACTION = re.compile(r"(er|or|ist|ant|ive|ic|ed|ous|able|ible|ly)$")


def _stem_shared(verb: str, noun: str) -> bool:
    common = 0
    for a, b in zip(verb, noun, strict=False):
        if a != b:
            break
        common += 1
    return common >= max(4, len(verb) - 3)


SHORT_CVC = re.compile(r"[^aeiou]*[aeiou][bdgklmnprt]")  # plan, ship, chat: planned, planning


def _gerund(verb: str) -> str:
    if SHORT_CVC.fullmatch(verb):
        return verb + verb[-1] + "ing"
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    return verb + "ing"


def forms(verb: str) -> set[str]:
    """The written forms of ``verb``: base, -s, -ed, -ing (and a doubled final consonant for
    short verbs: plan -> planned, planning)."""
    out = {verb, _gerund(verb)}
    if re.search(r"(s|x|z|ch|sh)$", verb):
        out.add(verb + "es")
    elif re.search(r"[^aeiou]y$", verb):
        out.add(verb[:-1] + "ies")
    else:
        out.add(verb + "s")
    if verb.endswith("e"):
        out.add(verb + "d")
    elif re.search(r"[^aeiou]y$", verb):
        out.add(verb[:-1] + "ied")
    else:
        out.add(verb + "ed")
    if SHORT_CVC.fullmatch(verb):  # "planned", not "planed" ("plane" has its own forms)
        out.discard(verb + "ed")
        out.add(verb + verb[-1] + "ed")
    if re.search(r"[^aeiou][aeiou][lrt]$", verb) and len(verb) > 4:
        # "controlled", "modelled", "submitted": the doubled spellings too (a form nobody
        # writes, "visitted", is harmless)
        out |= {verb + verb[-1] + "ed", verb + verb[-1] + "ing"}
    if verb in IRREGULAR_PAST:
        out.add(IRREGULAR_PAST[verb])
    return out


def _derivations(verb: str) -> list[str]:
    """Regular action nouns of a verb ESCO never compounds: -ate -> -ation, -ise / -ize ->
    -isation / -ization, -ify -> -ification, else the gerund (a bare "-ion" or "-ation" on any
    verb makes "billion" of "bill" and "ration" of "rate")."""
    out = []
    if verb.endswith("ate") and len(verb) >= 6:  # "migrate", not "rate"
        out.append(verb[:-1] + "ion")
    elif verb.endswith(("ise", "ize")):
        out.append(verb[:-1] + "ation")
    elif verb.endswith("ify"):
        out.append(verb[:-1] + "ication")
    return [*out, _gerund(verb)]


def mine(rows: list[dict]) -> tuple[dict[str, Counter], set[str]]:
    """(verb -> Counter of the heads of its compounds, verbs that open a label)."""
    heads: dict[str, Counter] = defaultdict(Counter)
    verbs: set[str] = set()
    for r in rows:
        labels = [r["preferredLabel"], *[a for a in r["altLabels"].split("\n") if a.strip()]]
        toks = [re.findall(r"[a-z]+", label.lower()) for label in labels]
        for t1 in toks:
            if len(t1) < 2 or len(t1[0]) < 3 or t1[0].endswith(("ed", "ing")):
                continue
            verb, obj = t1[0], set(t1[1:])
            verbs.add(verb)
            for t2 in toks:
                if len(t2) < 2 or verb in t2[:-1] or not obj & set(t2[:-1]):
                    continue
                head = t2[-1]
                if head in forms(verb) - {verb, _gerund(verb)} and not head.endswith("ing"):
                    continue  # an inflection ("plans")
                if head.endswith("s") and not head.endswith(("sis", "ss")):
                    continue
                if head != verb and NOT_ACTION.search(head) and not head.endswith("ing"):
                    continue
                if _stem_shared(verb, head):
                    heads[verb][head] += 1
    return heads, verbs


def choose(verb: str, counts: Counter, zipf) -> str | None:
    """The action noun of ``verb`` from the heads of its compounds (module docstring);
    ``zipf(word)``: its English frequency."""
    if not counts:
        return None
    top = max(counts.values())
    derived = [(n, h) for h, n in counts.items() if h != verb and not h.endswith("ing")]
    derived = [(n, h) for n, h in derived if DERIVED.search(h)]
    if derived and max(derived)[0] >= MIN_NOMINAL_SHARE * top:
        return max(derived)[1]
    # ESCO spells some gerunds the British way ("modelling", "labelling")
    gerund = max(counts.get(_gerund(verb), 0), counts.get(verb + verb[-1:] + "ing", 0))
    zero = counts.get(verb, 0)
    # a gerund English uses as a noun ("processing", "planning") over the bare verb
    # the bare verb as the noun ("design", "repair") only where ESCO compounds the gerund too
    # (a noun that opens labels, "ship" or "stock", is not a verb there) and the gerund is not
    # an everyday noun ("processing", "planning")
    everyday = max(zipf(_gerund(verb)), zipf(verb + verb[-1:] + "ing")) >= 4.0
    if gerund and zero >= ZERO_SHARE * gerund and not everyday:
        return verb
    if not gerund:
        return None
    british = verb + verb[-1:] + "ing"
    return british if counts.get(british, 0) > counts.get(_gerund(verb), 0) else _gerund(verb)


def build(data: Path) -> dict:
    from wordfreq import zipf_frequency

    with zipfile.ZipFile(data / "skills" / ESCO_ZIP) as z:
        rows = list(csv.DictReader(io.TextIOWrapper(z.open("skills_en.csv"), encoding="utf-8")))
    heads, verbs = mine(rows)
    nouns: dict[str, str] = {}
    for verb in sorted((verbs | EXTRA_VERBS) - LIGHT):
        noun = choose(verb, heads.get(verb, Counter()), lambda w: zipf_frequency(w, "en"))
        if noun is None:
            floor = EXTRA_ZIPF if verb in EXTRA_VERBS else MIN_ZIPF
            noun = next((d for d in _derivations(verb) if zipf_frequency(d, "en") >= floor), None)
        if noun is not None and zipf_frequency(verb, "en") > 0:
            nouns[verb] = noun
    by_form = dict(nouns)  # a verb's base form before another verb's inflection ("found")
    for verb, noun in nouns.items():
        for form in sorted(forms(verb)):
            by_form.setdefault(form, noun)
    return {
        "version": VERSION,
        "source": f"ESCO v1.1.1 ({ESCO_ZIP}: skills_en.csv), CC BY 4.0; "
        "scripts/build_nominalisations.py",
        "verbs": len(nouns),
        "nouns": dict(sorted(by_form.items())),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = ap.parse_args()
    table = build(args.data)
    OUT.write_text(json.dumps(table, indent=0, ensure_ascii=False) + "\n")
    print(f"{table['verbs']} verbs, {len(table['nouns'])} forms -> {OUT}")


if __name__ == "__main__":
    main()
