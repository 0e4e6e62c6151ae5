"""The report format, defined once (pydantic v2). The JSON Schema in ``docs/report.schema.json``
is generated from these models (``make schema``) and a test fails when it drifts.

Units are in the field names (``_s`` seconds, ``_pct`` percent 0-100, ``_hz``, ``_bytes``).
Emotion distributions are percentages over the seven canonical labels and sum to 100.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.9.0"

EMOTION_NOTICE = (
    "Emotion inference from faces and voices is contested science: expressions and voices do "
    "not map reliably onto inner states, and accuracy differs across people, cultures and "
    "recording conditions. The EU AI Act (Art. 5(1)(f)) prohibits emotion recognition in the "
    "workplace, including recruitment. Do not use these figures to make or support decisions "
    "about people. Operators can turn emotion analysis off (CAA_EMOTION_ENABLED=false)."
)


MAX_TIME_S = 86_400.0
Seconds = Annotated[float, Field(ge=0, le=MAX_TIME_S)]
"""A time or duration in a report, seconds: media times lie between 0 and a day (what the
service measures is capped far lower, CAA_MAX_MEDIA_DURATION_S), so a report that claims more
is refused rather than rendered (an HTML page grows with its times)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Emotion(_Model):
    """Percent per canonical label (DeepFace-compatible); the seven values sum to 100."""

    angry: float = Field(ge=0, le=100)
    disgust: float = Field(ge=0, le=100)
    fear: float = Field(ge=0, le=100)
    happy: float = Field(ge=0, le=100)
    sad: float = Field(ge=0, le=100)
    surprise: float = Field(ge=0, le=100)
    neutral: float = Field(ge=0, le=100)


EmotionLabel = Literal["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
ChunkEmotionLabel = Literal[
    "angry", "disgust", "fear", "happy", "sad", "surprise", "neutral", "uncertain"
]
AffectLabel = Literal["neutral", "positive", "tense"]


class Affect(_Model):
    """Percent per coarse affect; the three values sum to 100. positive = happy + surprise,
    tense = angry + disgust + fear, neutral = neutral + sad (neither positive nor tense)."""

    neutral: float = Field(ge=0, le=100)
    positive: float = Field(ge=0, le=100)
    tense: float = Field(ge=0, le=100)


class ReportWarning(_Model):
    code: str = Field(description="Stable machine-readable code, e.g. 'no_face_detected'.")
    message: str


class InputFile(_Model):
    field: str = Field(description="Form field the file came in.")
    filename: str = Field(description="Client-side file name (as sent, sanitised).")
    size_bytes: int
    detected_type: str = Field(description="MIME type judged from the content.")
    duration_s: Seconds | None = Field(None, description="Media duration in seconds.")
    has_video: bool | None = None
    has_audio: bool | None = None
    width_px: int | None = None
    height_px: int | None = None
    fps: float | None = Field(None, description="Native frame rate of the video stream.")


class Inputs(_Model):
    files: list[InputFile] = []
    question_chars: int | None = None
    expected_answer_chars: int | None = None
    job_description_chars: int | None = None


class TextSpan(_Model):
    start_char: int = Field(ge=0, description="Offset of the mention's first character.")
    end_char: int = Field(ge=0, description="Offset just past the mention's last character.")


class Skill(_Model):
    name: str = Field(
        description="The taxonomy's canonical name (match exact or alias), else the phrase as "
        "the document states it (match semantic or unlinked; an action named by its noun: see "
        "stated_as)."
    )
    category: Literal["technical", "tool", "soft", "language", "knowledge", "skill"]
    source: Literal["ESCO", "O*NET", "curated", "resume"] = Field(
        description="Where the skill's identity comes from; 'resume' (or the job description) "
        "when no taxonomy holds it."
    )
    source_id: str | None = Field(
        description="ESCO concept URI, O*NET commodity code + example, or caa:<name> for the "
        "project's curated common skills (resume/data/common_skills.csv); null when the "
        "source is the document itself."
    )
    match: Literal["exact", "alias", "semantic", "unlinked"] = Field(
        "exact",
        description="How the phrase was tied to the taxonomy: its canonical name, one of its "
        "alternative names, by meaning (sentence-embedding cosine similarity to an ESCO "
        "preferred label, see link_cosine), or not at all.",
    )
    confidence: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Probability that a careful reader lists this as a skill the document "
        "states (gradient-boosted trees over the phrase and its context, calibrated out of fold "
        "on the tuning sets: resume/data/SKILL_CLASSIFIER.md); null where no model scored it.",
    )
    taxonomy_label: str | None = Field(
        None, description="For match 'semantic': the preferred label of the linked ESCO skill."
    )
    link_cosine: float | None = Field(
        None, ge=-1, le=1, description="For match 'semantic': cosine similarity of the link."
    )
    stated_as: str | None = Field(
        None,
        description="For a skill the document states by an action ('Reconciled bank "
        "accounts'): the phrase as written; name is then the skill the action names, its object "
        "and the verb's action noun ('bank account reconciliation'), or the taxonomy skill of "
        "that name (match alias). Null otherwise.",
    )
    mentions: int = Field(ge=1, description="Times the skill is mentioned.")
    evidence: list[str] = Field(description="Up to 3 short snippets around mentions.")
    evidence_spans: list[TextSpan] = Field(
        default_factory=list,
        description="Where the mentions quoted in evidence stand in the document's text "
        "(same order).",
    )


class ResumeSection(_Model):
    format: Literal["pdf", "docx"]
    pages: int | None = Field(description="Pages (PDF); null for DOCX, which has no fixed pages.")
    text_chars: int
    text_extractor: str = Field(
        description="What read the document's text, with its version: 'pdftotext 22.12.0' "
        "(Poppler, when installed), 'pypdf 7.1.0' or 'python-docx 1.2.0'."
    )
    skills: list[Skill]
    taxonomy: str = Field(description="Taxonomy name and version used for matching.")


class TimelinePoint(_Model):
    t_s: Seconds = Field(description="Start of a 0.5 s bin; values are means over its face frames.")
    dominant_emotion: EmotionLabel
    emotion: Emotion


class VideoEmotionSection(_Model):
    model: str
    sample_fps: float
    expression_fps: float = Field(
        description="Faces classified per media second (at most sample_fps; landmarks run at "
        "sample_fps)."
    )
    frames_sampled: int
    frames_with_face: int
    frames_classified: int = Field(description="Frames whose face was classified.")
    face_coverage: float = Field(ge=0, le=1, description="frames_with_face / frames_sampled.")
    emotion: Emotion | None = Field(description="Mean over frames with a face; null if none.")
    dominant_emotion: EmotionLabel | None
    timeline: list[TimelinePoint]


class AudioChunk(_Model):
    """One speech segment: a voice-activity region, or an equal part of a long one."""

    start_s: Seconds
    end_s: Seconds
    speech: bool = Field(description="True when voice activity covers enough of the chunk.")
    speech_ratio: float = Field(ge=0, le=1, description="Share of the chunk with voice activity.")
    label: ChunkEmotionLabel | None = Field(
        description="Top label; 'uncertain' when the chunk is out of the training distribution "
        "(in_domain false) or its top probability is under the model's min_top_probability; "
        "null for non-speech chunks."
    )
    top_probability: float | None = Field(
        None, ge=0, le=1, description="The calibrated probability of the top label."
    )
    emotion: Emotion | None = Field(
        None, description="Probabilities, also of an uncertain chunk; null for non-speech chunks."
    )
    affect: AffectLabel | Literal["uncertain"] | None = Field(
        None, description="Coarse affect of the chunk (see Affect); 'uncertain' as for label."
    )
    in_domain: bool | None = Field(
        None,
        description="Whether the chunk resembles the model's training speech (typicality "
        "distance under the model's threshold); null for non-speech chunks.",
    )


class AudioEmotionSection(_Model):
    model: str
    chunk_s: Seconds = Field(
        description="Target chunk length: voice-activity regions longer "
        "than this are split into equal parts of about this length."
    )
    chunks: list[AudioChunk]
    speech_chunks: int
    confident_chunks: int = Field(0, description="Speech chunks not labelled 'uncertain'.")
    min_top_probability: float | None = Field(
        None,
        ge=0,
        le=1,
        description="A chunk whose top probability is under this is labelled 'uncertain'.",
    )
    emotion: Emotion | None = Field(description="Mean over confident speech chunks; null if none.")
    dominant_emotion: EmotionLabel | None = Field(
        description="Top label of the mean over confident chunks; null if no chunk is confident "
        "(then the recording's emotion is unknown, not neutral)."
    )
    dominance: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of confident chunks whose top label is the dominant emotion.",
    )
    affect: Affect | None = Field(None, description="Mean coarse affect over confident chunks.")
    dominant_affect: AffectLabel | None = None
    in_domain_share: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of speech chunks that resemble the training speech; the others are "
        "labelled 'uncertain'.",
    )


class Segment(_Model):
    start_s: Seconds
    end_s: Seconds
    text: str


class Word(_Model):
    word: str
    start_s: Seconds
    end_s: Seconds
    probability: float = Field(ge=0, le=1)


class SpokenLanguage(_Model):
    """The language of the speech, identified from the audio (not from the transcript, which an
    English-only model invents in English whatever is spoken)."""

    code: str = Field(description="ISO 639-1 code of the most likely language, e.g. 'en', 'de'.")
    probability: float = Field(ge=0, le=1, description="Probability of that language.")
    english_probability: float = Field(ge=0, le=1)
    english: bool = Field(
        description="English is the most likely language, or english_probability >= 0.5."
    )
    speech_checked_s: Seconds = Field(description="Seconds of speech the check listened to.")
    model: str


class TranscriptSection(_Model):
    model: str
    text: str
    language: str = Field(description="Language of the transcript (the model transcribes English).")
    spoken_language: SpokenLanguage | None = Field(
        None, description="Language identified from the speech; null when not checked."
    )
    duration_s: Seconds = Field(description="Duration of the audio transcribed.")
    speech_duration_s: Seconds = Field(description="Duration with voice activity (VAD).")
    speech_coverage: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of the voice-activity time within 0.5 s of a transcribed word; low "
        "values mean speech was left untranscribed. Null without voice activity.",
    )
    filler_prompt: bool = Field(
        True,
        description="Whether the decoder was conditioned on a disfluent prompt that keeps "
        "fillers (um, uh); false when the prompted decode skipped speech and the audio was "
        "transcribed again without it.",
    )
    segments: list[Segment]
    words: list[Word]


class AnswerSimilaritySection(_Model):
    model: str
    cosine_similarity: float = Field(
        ge=-1, le=1, description="Cosine of the sentence embeddings, raw."
    )
    similarity_pct: float = Field(
        ge=0, le=100, description="100 * max(0, cosine_similarity), rounded to 1 decimal."
    )
    question_cosine_similarity: float | None = Field(
        None, ge=-1, le=1, description="Cosine of the answer to the question, when one is given."
    )


class HeadMovement(_Model):
    yaw_std_deg: float = Field(description="Standard deviation of head yaw (turning), degrees.")
    pitch_std_deg: float = Field(description="Standard deviation of head pitch (nodding), degrees.")
    roll_std_deg: float = Field(description="Standard deviation of head roll (tilt), degrees.")
    yaw_mean_deg: float
    pitch_mean_deg: float


class LandmarkStability(_Model):
    mean_motion_iod_per_s: float = Field(
        description="Mean landmark displacement between sampled frames, in inter-ocular "
        "distances per second (0 = perfectly still)."
    )
    p95_motion_iod_per_s: float


class FrameQuality(_Model):
    brightness_mean: float = Field(description="Mean grey level of the face box (0-255).")
    sharpness_median: float = Field(
        description="Median variance of the Laplacian of the face box at 128 px (blur measure)."
    )
    too_dark_share: float = Field(ge=0, le=1, description="Frames with brightness < 40.")
    blurred_share: float = Field(ge=0, le=1, description="Frames with sharpness < 10.")
    unusable_share: float = Field(ge=0, le=1, description="Frames too dark or blurred.")


class VideoTimelinePoint(_Model):
    t_s: Seconds = Field(description="Start of a 1 s bin.")
    face: float = Field(ge=0, le=1, description="Share of the bin's frames with a face.")
    eye_contact: float | None = Field(None, ge=0, le=1)
    smile: float | None = Field(None, ge=0, le=1, description="Mean smile blendshape.")


class Framing(_Model):
    """Where the face sits in the picture (from the face landmarks of every face frame)."""

    face_offset_x_mean: float = Field(
        ge=-0.5,
        le=0.5,
        description="Mean horizontal offset of the face box's centre from the frame's centre, "
        "in frame widths (+ = right of centre in the picture).",
    )
    face_offset_y_mean: float = Field(
        ge=-0.5,
        le=0.5,
        description="Mean vertical offset of the face box's centre from the frame's centre, "
        "in frame heights (+ = below centre).",
    )
    face_height_share_median: float = Field(
        ge=0, description="Median face-box height as a share of the frame height."
    )
    face_centred_share: float = Field(
        ge=0,
        le=1,
        description="Share of face frames whose face centre lies in the middle third of the "
        "width and between 20 % and 60 % of the height from the top.",
    )


class Gestures(_Model):
    """Hand movement from the wrists of the body landmarks (docs/DELIVERY.md)."""

    hands_visible_share: float = Field(
        ge=0, le=1, description="Share of pose frames with at least one wrist in view."
    )
    hands_visible_s: Seconds = Field(description="Time with at least one wrist in view.")
    gesture_count: int | None = Field(
        description="Hand movements: runs of wrist speed >= 0.8 shoulder widths per second, "
        "runs less than 0.4 s apart merged. None when hands were in view for under 5 s."
    )
    gesture_rate_per_min: float | None = Field(
        description="Gestures per minute of time with a hand in view (None as gesture_count)."
    )
    gesturing_share: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of the steps between consecutive pose frames with a wrist in view "
        "in both in which a hand moved (>= 0.8 shoulder widths per second).",
    )


class Posture(_Model):
    """Upper-body posture from MediaPipe Pose landmarks (methods: docs/DELIVERY.md). Angles
    are in the picture plane; a single camera cannot measure leaning towards it, only the
    changes of apparent size that leaning causes."""

    pose_fps: float = Field(description="Frames per media second the body landmarks were read.")
    frames_sampled: int = Field(ge=0, description="Frames the pose model read.")
    frames_with_shoulders: int = Field(
        ge=0,
        description="Frames with a person whose two shoulders are in view, at least 8 % of "
        "the frame width apart.",
    )
    shoulders_coverage: float = Field(ge=0, le=1)
    shoulder_tilt_mean_deg: float | None = Field(
        description="Mean angle of the shoulder line against the horizontal, degrees "
        "(+ = the shoulder on the picture's right is higher)."
    )
    shoulder_tilt_std_deg: float | None
    shoulders_level_share: float | None = Field(
        None, ge=0, le=1, description="Share of shoulder frames with |tilt| <= 5 degrees."
    )
    lateral_lean_mean_deg: float | None = Field(
        description="Mean angle between the vertical and the line from the shoulders' midpoint "
        "to the head (ears' midpoint, else nose), degrees (+ = head towards the picture's right)."
    )
    lateral_lean_std_deg: float | None
    upright_share: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of shoulder frames showing the head (ears or nose) with |lateral "
        "lean| <= 10 degrees.",
    )
    shoulder_width_share_median: float | None = Field(
        description="Median shoulder width as a share of the frame width: how near the camera "
        "the person sits (larger is nearer)."
    )
    distance_change_cv: float | None = Field(
        description="Coefficient of variation of the shoulder width over the recording: how "
        "much the distance from the camera changed (0 = not at all)."
    )
    closer_share: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of shoulder frames at least 10 % wider than the median (leaning "
        "in towards the camera).",
    )
    farther_share: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of shoulder frames at least 10 % narrower than the median (leaning "
        "back or away).",
    )
    gestures: Gestures | None = Field(None, description="None when no pose frame was read.")
    model: str = Field(description="Body-landmark model.")


class DeliveryVideo(_Model):
    sample_fps: float
    frames_sampled: int
    frames_with_face: int
    face_coverage: float = Field(ge=0, le=1)
    face_visible_s: Seconds
    faces_max: int = Field(
        0,
        ge=0,
        description="Most faces seen in one sampled frame (4 means 4 or more); the largest face "
        "of each frame is the one measured.",
    )
    multiple_faces_share: float = Field(
        0.0, ge=0, le=1, description="Share of frames with a face that show two or more."
    )
    eye_contact_ratio: float | None = Field(
        ge=0, le=1, description="Share of face frames (eyes open) looking at the camera."
    )
    smile_ratio: float | None = Field(
        ge=0, le=1, description="Share of face frames with smile blendshape >= 0.5."
    )
    blink_count: int | None
    blink_rate_per_min: float | None = Field(description="Blinks per minute of visible face.")
    blink_times_s: list[Seconds]
    eyes_closed_s: Seconds | None = Field(description="Time with eyes closed longer than 0.5 s.")
    head_movement: HeadMovement | None
    landmark_stability: LandmarkStability | None
    frame_quality: FrameQuality
    timeline: list[VideoTimelinePoint]
    framing: Framing | None = Field(
        None, description="Where the face sits in the picture; None without a face."
    )
    posture: Posture | None = Field(
        None,
        description="Upper-body posture and hand gestures; None when body landmarks "
        "were not read (CAA_POSE_FPS=0).",
    )


class F0Stats(_Model):
    mean_hz: float
    std_hz: float
    p5_hz: float
    p95_hz: float
    range_semitones: float = Field(description="12 * log2(p95 / p5) of f0 over voiced frames.")
    voiced_s: Seconds = Field(description="Voiced time the statistics are over.")


class LoudnessStats(_Model):
    mean_dbfs: float = Field(description="Mean RMS level of speech frames, dB full scale.")
    std_db: float


class Pause(_Model):
    start_s: Seconds
    end_s: Seconds
    duration_s: Seconds


class FillerWords(_Model):
    count: int
    rate_per_min: float | None = Field(description="Fillers per minute of the answer span.")
    by_word: dict[str, int]
    times_s: list[Seconds]


class DeliveryAudio(_Model):
    duration_s: Seconds = Field(description="Audio duration.")
    spoken_language: SpokenLanguage | None = Field(
        None, description="Language identified from the speech (scores need English)."
    )
    speech_duration_s: Seconds = Field(description="Time with voice activity (Silero VAD).")
    answer_start_s: Seconds | None = Field(description="Start of the first word.")
    answer_end_s: Seconds | None = Field(description="End of the last word.")
    word_count: int
    wpm: float | None = Field(description="Words per minute over the answer span.")
    articulation_wpm: float | None = Field(description="Words per minute excluding pauses.")
    pause_ratio: float | None = Field(
        ge=0, le=1, description="Pause time (gaps >= 0.25 s between words) / answer span."
    )
    pause_total_s: Seconds | None
    pause_count: int
    long_pause_count: int = Field(description="Pauses longer than 1 s.")
    long_pauses: list[Pause]
    filler_words: FillerWords
    f0_hz: F0Stats | None = Field(description="Pitch over voiced speech; null without it.")
    loudness_db: LoudnessStats | None
    volume_stability: float | None = Field(
        ge=0, le=1, description="Share of speech frames within 6 dB of the median level."
    )
    clipping_ratio: float = Field(ge=0, le=1, description="Share of samples at full scale.")


class Vocabulary(_Model):
    unique_words: int
    type_token_ratio: float | None = Field(None, ge=0, le=1)
    mattr: float | None = Field(
        None, ge=0, le=1, description="Moving-average type-token ratio, 50-word window."
    )


class SentimentMeasure(_Model):
    compound_mean: float | None = Field(
        None, ge=-1, le=1, description="Mean VADER compound score of the sentences."
    )
    label: Literal["positive", "neutral", "negative"] | None = None
    positive_share: float | None = Field(None, ge=0, le=1)
    negative_share: float | None = Field(None, ge=0, le=1)


class GrammarMeasure(_Model):
    sentence_count: int
    complete_sentence_ratio: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of sentences whose parse has a verb root with a subject (or an "
        "imperative); a proxy, see docs/DELIVERY.md.",
    )
    fragments: list[str] = Field(description="Up to 10 sentences judged incomplete.")
    repeated_words: int = Field(description="Immediate repetitions ('the the').")


class KeyPoint(_Model):
    point: str
    covered: bool
    cosine_similarity: float = Field(ge=-1, le=1)
    evidence: str | None = Field(None, description="Transcript sentence/clause that covers it.")
    start_s: Seconds | None = None
    end_s: Seconds | None = None
    closest: str | None = Field(None, description="Most similar transcript piece when missing.")


class DeliveryLanguage(_Model):
    word_count: int = Field(description="Words without fillers.")
    sentence_count: int
    mean_sentence_words: float | None
    vocabulary: Vocabulary
    sentiment: SentimentMeasure
    grammar: GrammarMeasure
    coherence: float | None = Field(
        None,
        ge=-1,
        le=1,
        description="Mean cosine similarity of consecutive sentences.",
    )
    relevance_to_question: float | None = Field(
        None, ge=-1, le=1, description="Cosine similarity of the answer and the question."
    )
    key_points: list[KeyPoint]
    key_point_coverage: float | None = Field(None, ge=0, le=1)


class Delivery(_Model):
    video: DeliveryVideo | None = None
    audio: DeliveryAudio | None = None
    language: DeliveryLanguage | None = None


class JobSkill(_Model):
    name: str
    category: str
    source_id: str | None
    match: Literal["exact", "alias", "semantic", "unlinked"] = Field(
        "exact", description="How the job description's phrase was tied to the taxonomy."
    )
    confidence: float | None = Field(None, ge=0, le=1, description="As for resume skills.")
    requirement: Literal["required", "nice_to_have"] = Field(
        "required",
        description="'nice_to_have' where the posting says so (a 'Nice to have' / 'Preferred' "
        "/ 'Bonus' section, or 'is a plus', 'preferred', 'ideally', 'desirable', 'an asset' in "
        "the sentence); 'required' otherwise.",
    )
    on_resume: bool
    resume_skill: str | None = Field(
        None, description="The resume skill that covers it (null when none does)."
    )
    matched_by: (
        Literal[
            "same_skill",
            "same_name",
            "more_specific",
            "narrower_skill",
            "broader_skill",
            "stated_on_resume",
        ]
        | None
    ) = Field(
        None,
        description="How the resume skill was found: the same taxonomy concept (source_id), "
        "the same name (case, punctuation, grammatical number and a verb's -ing form aside: "
        "'Budget' for 'budgeting'), or a resume skill whose name holds every word of the "
        "job's ('Epic EHR' for 'Epic'), or through the taxonomy's hierarchy a narrower skill "
        "('Haskell' for 'computer programming', 'copywriting' for 'writing') or, failing that, "
        "the broader skill ('computer programming' for 'Haskell': shown as the related resume "
        "skill but not counted, on_resume stays false and the skill stays missing; ESCO states "
        "broader skills for its collections' members only, about 1,000 skills, and the "
        "project's common skills for their specific phrasings, about 20); last, "
        "'stated_on_resume': no resume skill covers it but one line or sentence of the resume "
        "holds every content word of its name in any word form ('monitored hemodynamics' for "
        "'hemodynamics', 'Administered IV medications' for 'administer medications'; English "
        "Snowball stems; not for tool, programming and language names, which the extractor "
        "reads by name), quoted in resume_evidence.",
    )
    resume_evidence: str | None = Field(
        None,
        description="With matched_by 'stated_on_resume': the resume's line or sentence that "
        "states the skill (at most 160 characters).",
    )


class ResumeSkillEvidence(_Model):
    name: str
    claimed_on_resume: bool = True
    evidenced_in_answer: bool
    mentions: int = 0
    quote: str | None = Field(None, description="Words around the first spoken mention.")
    start_s: Seconds | None = None
    end_s: Seconds | None = None


class SkillsMatch(_Model):
    job_skills: list[JobSkill] = Field(description="Skills the job description asks for.")
    matched: list[str]
    missing: list[str] = Field(description="Job skills not on the resume, required first.")
    missing_required: list[str] = Field(
        default_factory=list, description="Required job skills not on the resume."
    )
    match_ratio: float | None = Field(None, ge=0, le=1, description="matched / job skills.")
    resume_skills: list[ResumeSkillEvidence] = Field(
        description="Each resume skill and whether the spoken answer mentions it."
    )
    evidenced_ratio: float | None = Field(None, ge=0, le=1)


class Contribution(_Model):
    feature: str
    value: float | None = Field(description="The measure's value; null when not available.")
    unit: str
    reference: str = Field(description="The range that earns full points and none.")
    points: float = Field(description="Points this feature adds; they sum to the score.")
    max_points: float = Field(description="Points available (rescaled over features present).")


class Subscore(_Model):
    score: float | None = Field(None, ge=0, le=100)
    null_reason: str | None = Field(None, description="Why the recording cannot support it.")
    contributions: list[Contribution]
    notes: list[str] = Field(description="Plain-language evidence for the contributions.")


class Scores(_Model):
    scoring_version: str
    talent_score: float | None = Field(None, ge=0, le=100)
    null_reason: str | None = None
    contributions: list[Contribution] = Field(
        description="Each subscore times its weight; they sum to talent_score."
    )
    communication: Subscore
    confidence: Subscore
    skill_relevance: Subscore
    engagement: Subscore
    previous_scoring_version: str | None = Field(
        None,
        description="Set when the stored report was re-scored: the scoring version its scores "
        "had before (POST /api/v1/reports/{report_id}/rescore).",
    )
    rescored_at: str | None = Field(None, description="When it was re-scored (UTC, ISO 8601).")


class EmotionAnalysisInfo(_Model):
    enabled: bool
    notice: str


class Report(_Model):
    schema_version: str = SCHEMA_VERSION
    report_id: str
    created_at: str = Field(description="UTC, ISO 8601.")
    job_id: str | None = Field(
        None, description="The background job that made this report (POST /api/v1/jobs)."
    )
    candidate_id: str | None = Field(None, description="The client's own id of the candidate.")
    inputs: Inputs
    resume: ResumeSection | None = None
    video_emotion: VideoEmotionSection | None = None
    audio_emotion: AudioEmotionSection | None = None
    transcript: TranscriptSection | None = None
    answer_similarity: AnswerSimilaritySection | None = None
    delivery: Delivery | None = None
    skills_match: SkillsMatch | None = None
    scores: Scores | None = None
    emotion_analysis: EmotionAnalysisInfo
    timings_ms: dict[str, float] = Field(
        description="Time per stage in milliseconds, and `total` (the request's wall time). "
        "Speech stages run in parallel with the video stages, so stages can add up to more "
        "than `total`."
    )
    warnings: list[ReportWarning] = []
