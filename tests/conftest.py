from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests import media_factory

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SHARED = REPO.parent / "shared" / "data"
SPEECH_TEXT = (
    "I designed the database schema, added indexes to speed up the slow queries, and wrote "
    "tests for every service."
)


@pytest.fixture(scope="session", autouse=True)
def _state_outside_the_repository(tmp_path_factory):
    """Settings built without a var_dir keep their state in this run's temporary folder,
    never in the repository's var/."""
    import os

    os.environ.setdefault("CAA_VAR_DIR", str(tmp_path_factory.mktemp("var")))
    yield


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/data/{'/'.join(parts)} is absent")
    return path


@pytest.fixture(scope="session")
def registry():
    from models.registry import get_registry

    return get_registry()


@pytest.fixture(scope="session")
def speech_audio() -> np.ndarray:
    """Synthetic English speech (espeak-ng), float32 16 kHz mono, ~7.6 s."""
    return media_factory.read_wav(FIXTURES / "speech_en_espeak.wav")


@pytest.fixture(scope="session")
def face_rgb() -> np.ndarray:
    """A portrait shipped with matplotlib (Grace Hopper, public domain), uint8 RGB."""
    from matplotlib import cbook

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        return np.asarray(Image.open(f).convert("RGB"))


@pytest.fixture(scope="session")
def no_face_rgb() -> np.ndarray:
    """A landscape photo without people, shipped with scikit-learn."""
    import sklearn.datasets

    return sklearn.datasets.load_sample_image("china.jpg")


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def face_video(media_dir, face_rgb, speech_audio) -> Path:
    """4 s mp4: a still face with the synthetic speech as its audio track."""
    return media_factory.write_video(
        media_dir / "face.mp4", face_rgb[::2, ::2], 4.0, audio=speech_audio[: 4 * 16000]
    )


@pytest.fixture(scope="session")
def answer_video(media_dir, face_rgb, speech_audio) -> Path:
    """24 s mp4: a still face with the synthetic answer three times (60 words, ~22 s of speech:
    enough to be scored)."""
    audio = np.tile(np.concatenate([speech_audio, np.zeros(4000, np.float32)]), 3)
    return media_factory.write_video(
        media_dir / "answer.mp4", face_rgb[::2, ::2], 24.0, audio=audio
    )


@pytest.fixture(scope="session")
def long_answer_video(media_dir, face_rgb, speech_audio) -> Path:
    """32 s mp4: the synthetic answer four times over (a job long enough to be interrupted)."""
    audio = np.tile(np.concatenate([speech_audio, np.zeros(8000, np.float32)]), 4)
    return media_factory.write_video(
        media_dir / "answer_long.mp4", face_rgb[::2, ::2], 32.0, audio=audio
    )


@pytest.fixture(scope="session")
def silent_face_video(media_dir, face_rgb) -> Path:
    """3 s mp4 with a face and no audio stream."""
    return media_factory.write_video(media_dir / "face_noaudio.mp4", face_rgb[::2, ::2], 3.0)


@pytest.fixture(scope="session")
def no_face_video(media_dir, no_face_rgb) -> Path:
    return media_factory.write_video(
        media_dir / "noface.mp4", no_face_rgb, 2.0, audio=np.zeros(32000, np.float32)
    )


@pytest.fixture(scope="session")
def speech_wav(media_dir, speech_audio) -> Path:
    return media_factory.write_wav(media_dir / "speech.wav", speech_audio)


RESUME_TEXT = """Jane Doe - Backend Engineer
Skills: Python, React.js, Go, SQL, Docker, Kubernetes
Experience: built REST services in Python and C++; deployed on AWS with Terraform.
Tools: Microsoft Excel, Word, PowerPoint, Git.
Languages: English, French.
I excel at communication and led a go to market launch."""


def make_pdf(text: str = RESUME_TEXT) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in text.splitlines():
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def make_image_pdf(image: np.ndarray) -> bytes:
    """A 'scanned' PDF: one page holding only a picture, no text layer."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    buf.seek(0)
    pdf.image(buf, x=10, y=10, w=120)
    return bytes(pdf.output())


def make_docx(text: str = RESUME_TEXT) -> bytes:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def png_bytes(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


# --- real services: PostgreSQL (and, for later issues, Redis) ---------------------------------

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def require_or_skip(reason: str) -> None:
    """Skip with ``reason`` where a service does not answer (a newcomer's laptop); fail on CI
    (``CAA_REQUIRE_SERVICES=1``)."""
    import os

    if os.environ.get("CAA_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (CAA_REQUIRE_SERVICES=1: services are required here)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url():
    """A database of this test run's own on the local PostgreSQL, dropped at the end."""
    import uuid

    import sqlalchemy as sa

    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        require_or_skip(f"no PostgreSQL answers at 127.0.0.1:5432 ({type(exc).__name__})")
    name = f"caa_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture()
def database_url_postgresql(postgres_url):
    """A fresh public schema of this run's PostgreSQL database (emptied after the test)."""
    import sqlalchemy as sa

    yield postgres_url
    engine = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(sa.text("DROP SCHEMA public CASCADE"))
        c.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """The store's URL: an SQLite file of this test's own, or a fresh schema-less PostgreSQL
    database of this test run (tables are dropped after each test)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("database_url_postgresql")


@pytest.fixture(scope="session")
def redis_url():
    """An empty Redis database index of this test run's own on the local Redis (1-15, the
    first empty one), emptied at the end."""
    import redis

    probe = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2)
    try:
        probe.ping()
    except redis.exceptions.RedisError as exc:
        require_or_skip(f"no Redis answers at 127.0.0.1:6379 ({type(exc).__name__})")
    finally:
        probe.close()
    for index in range(1, 16):
        client = redis.Redis(host="127.0.0.1", port=6379, db=index)
        if client.dbsize() == 0:
            client.set("caa-test-claim", "1")  # hold the index against a parallel run
            break
        client.close()
    else:
        pytest.fail("every Redis database index 1-15 holds data; none is free for this run")
    try:
        yield f"redis://127.0.0.1:6379/{index}"
    finally:
        client.flushdb()
        client.close()
