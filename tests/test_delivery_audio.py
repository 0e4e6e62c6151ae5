import numpy as np
import pytest

from analyzers.delivery_audio import (
    delivery_audio,
    f0_stats,
    filler_words,
    frame_dbfs,
    pauses_from_words,
)
from contracts.report import Word
from tests import media_factory
from tests.conftest import FIXTURES

SR = 16_000


def words(spec):
    return [Word(word=w, start_s=a, end_s=b, probability=0.9) for w, a, b in spec]


def test_pace_and_pauses_follow_the_word_timestamps():
    ws = words(
        [
            ("Hello", 0.0, 0.4),
            ("there,", 0.5, 0.9),
            ("um,", 2.4, 2.6),
            ("I", 2.7, 2.8),
            ("think", 2.8, 3.0),
            ("so.", 3.3, 3.6),
        ]
    )
    audio = np.zeros(SR * 4, np.float32)
    d = delivery_audio(audio, words=ws, speech_regions_s=[(0, 1), (2.4, 3.6)])
    assert d.word_count == 6
    assert d.wpm == pytest.approx(6 / (3.6 / 60), abs=0.1)
    assert [(p.start_s, p.end_s) for p in d.long_pauses] == [(0.9, 2.4)]
    assert d.pause_total_s == pytest.approx(1.5 + 0.3, abs=1e-6)  # 0.1 s gaps are not pauses
    assert d.pause_ratio == pytest.approx(1.8 / 3.6, abs=1e-3)
    assert d.articulation_wpm == pytest.approx(6 / ((3.6 - 1.8) / 60), abs=0.1)
    assert d.filler_words.count == 1 and d.filler_words.times_s == [2.4]
    assert d.f0_hz is None and d.loudness_db is None  # silence has neither


def test_fillers_and_discourse_markers():
    ws = words(
        [
            ("So,", 0, 1),
            ("like,", 1, 2),
            ("I", 2, 3),
            ("like", 3, 4),
            ("it.", 4, 5),
            ("You", 5, 6),
            ("know,", 6, 7),
            ("uh", 7, 8),
            ("I", 8, 9),
            ("mean", 9, 10),
            ("it.", 10, 11),
            ("Hmm.", 11, 12),
        ]
    )
    f = filler_words(ws, minutes=0.2)
    assert f.by_word == {"like": 1, "you know": 1, "uh": 1, "hmm": 1}  # not "I like it"
    assert f.rate_per_min == pytest.approx(20.0)


def test_pitch_of_a_tone_and_loudness():
    t = np.arange(SR * 2) / SR
    tone = (0.1 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    f0 = f0_stats(tone, [(0, 2)])
    assert f0.mean_hz == pytest.approx(200, abs=3) and f0.range_semitones < 0.5
    db = frame_dbfs(tone)
    assert np.median(db) == pytest.approx(20 * np.log10(0.1 / np.sqrt(2)), abs=0.2)


def test_no_words_means_no_pace():
    d = delivery_audio(np.zeros(SR, np.float32), words=[], speech_regions_s=[])
    assert d.wpm is None and d.pause_ratio is None and d.filler_words.count == 0
    assert pauses_from_words([]) == []


@pytest.mark.slow
def test_speech_to_text_keeps_fillers(registry):
    audio = media_factory.read_wav(FIXTURES / "fillers_en_espeak.wav")
    segments, _ = registry.get("whisper").transcribe(audio)
    ws = [
        Word(word=w.word.strip(), start_s=w.start, end_s=w.end, probability=w.probability)
        for s in segments
        for w in s.words
    ]
    f = filler_words(ws, minutes=len(audio) / SR / 60)
    assert f.count >= 3 and set(f.by_word) <= {"um", "uh"}


@pytest.mark.slow
def test_delivery_audio_on_speech(registry, speech_audio):
    from models.whisper import speech_regions

    segments, _ = registry.get("whisper").transcribe(speech_audio)
    ws = [
        Word(word=w.word.strip(), start_s=w.start, end_s=w.end, probability=w.probability)
        for s in segments
        for w in s.words
    ]
    regions = [(a / SR, b / SR) for a, b in speech_regions(speech_audio)]
    d = delivery_audio(speech_audio, words=ws, speech_regions_s=regions)
    assert 100 < d.wpm < 220 and 60 < d.f0_hz.mean_hz < 200
    assert -40 < d.loudness_db.mean_dbfs < 0 and 0 < d.volume_stability <= 1
    assert d.filler_words.count == 0 and d.clipping_ratio < 0.001
