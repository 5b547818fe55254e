"""The reader: the probability that a passage answers a question, from a small cross-encoder.

Word overlap and sentence vectors cannot tell "this sentence answers" from "this sentence shares
the question's words". A cross-encoder reads question and passage together and can: all-MiniLM-
L6-v2's first four layers with a one-logit head, fine-tuned on SQuAD sentence pairs (with
chat-style and swapped-entity variants) by `training/run`, shipped as int8 ONNX in
`factbot/data/reader.onnx` with its card (`reader-card.md`). Nothing is downloaded at run time;
no torch: onnxruntime, tokenizers and numpy only.

The file is checked against its sha256 before it is run, and loaded once, on first use
(`warm_up`). Each pair is run on its own, never in a batch: the int8 model quantises activations
per tensor, so batch mates (and their padding) would shift a score, and a passage's score must
not depend on which other candidates it was read with.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from factbot.errors import ModelRefused

log = logging.getLogger(__name__)

DATA = Path(__file__).parent.parent / "data"
MODEL_FILE = DATA / "reader.onnx"
# sha256 of the reader.onnx that training/run made and reader-card.md describes.
MODEL_SHA256 = "5fd19a26ea1555b2bf7662797023b792145f02c65ffe6f0ad12891ccb8200949"
TOKENIZER_FILE = DATA / "minilm_tokenizer.json"
# Question and passage together are read up to 128 word pieces, as in training.
MAX_TOKENS = 128
# Probability at or above which a passage is taken to answer: chosen by training/export.py on
# the int8 model, on three SQuAD articles held out of training (mean of answered-right and
# abstained); see reader-card.md. Never fitted on a benchmark set.
THRESHOLD = 0.4592


class Reader:
    """(question, passages) -> probability each passage answers the question."""

    def __init__(
        self,
        model_path: Path = MODEL_FILE,
        tokenizer_path: Path = TOKENIZER_FILE,
        sha256: str = MODEL_SHA256,
    ) -> None:
        self.model_path = model_path
        self.tokenizer_path = tokenizer_path
        self.sha256 = sha256
        self._session: Any = None
        self._tokenizer: Any = None

    def warm_up(self) -> None:
        """Check the model file's hash, then load it and the tokenizer; idempotent."""
        if self._session is not None:
            return
        import onnxruntime
        from tokenizers import Tokenizer

        with self.model_path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        if digest != self.sha256:
            raise ModelRefused(
                f"{self.model_path} is not the reader model factbot was measured with (sha256 "
                f"{digest}, expected {self.sha256}); it was not run. Reinstall factbot to "
                "restore it."
            )
        tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
        tokenizer.no_padding()
        tokenizer.enable_truncation(MAX_TOKENS)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = min(2, os.cpu_count() or 1)
        self._session = onnxruntime.InferenceSession(
            str(self.model_path), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = tokenizer

    def logits(self, question: str, passages: Sequence[str]) -> list[float]:
        """The model's raw score for each passage (log-odds that it answers)."""
        self.warm_up()
        out = []
        for passage in passages:
            encoding = self._tokenizer.encode(question, passage)
            ids = np.array([encoding.ids], dtype=np.int64)
            feeds = {
                "input_ids": ids,
                "attention_mask": np.ones_like(ids),
                "token_type_ids": np.array([encoding.type_ids], dtype=np.int64),
            }
            out.append(float(self._session.run(None, feeds)[0][0]))
        return out

    def score(self, question: str, passages: Sequence[str]) -> list[float]:
        """Probability (0..1) that each passage answers `question`, in the passages' order."""
        return [_sigmoid(x) for x in self.logits(question, passages)]

    def answers(self, question: str, passage: str) -> bool:
        """Whether the reader takes `passage` to answer `question` at the shipped threshold."""
        return self.score(question, [passage])[0] >= THRESHOLD


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


@functools.cache
def default_reader() -> Reader:
    """The packaged reader, one per process, loaded on first use."""
    return Reader()


def score(question: str, passages: Sequence[str]) -> list[float]:
    """Probability (0..1) that each passage answers `question`, by the packaged reader."""
    return default_reader().score(question, passages)
