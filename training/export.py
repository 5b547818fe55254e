"""Export the trained reader to ONNX, quantise it to int8, and measure both on the validation
articles; the answerability threshold is chosen there, on the int8 model (int8 moves logits by
up to about one against fp32, so a threshold fitted on fp32 would not hold).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np
import onnxruntime
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic

from training.evaluate import auc, choose_threshold, question_figures
from training.model import Reader
from training.train import base_file, encode, load_jsonl, sha256, tokenizer

log = logging.getLogger("training")


def export(model: Reader, path: Path) -> None:
    ids = torch.tensor([[101, 2054, 102, 2009, 102]])
    torch.onnx.export(
        model,
        (ids, torch.ones_like(ids), torch.tensor([[0, 0, 0, 1, 1]])),
        str(path),
        dynamo=False,
        opset_version=17,
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
            "token_type_ids": {0: "batch", 1: "tokens"},
            "logits": {0: "batch"},
        },
    )


def session(path: Path) -> onnxruntime.InferenceSession:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def run(sess: onnxruntime.InferenceSession, rows: list[tuple[list[int], list[int]]]) -> np.ndarray:
    """Logits for `rows`, one pair a run as factbot.index.reader runs them: int8 quantises
    activations per tensor, so batch mates (and their padding) would shift a score."""
    out = []
    for ids, types in rows:
        feeds = {
            "input_ids": np.array([ids], dtype=np.int64),
            "attention_mask": np.ones((1, len(ids)), dtype=np.int64),
            "token_type_ids": np.array([types], dtype=np.int64),
        }
        out.append(float(sess.run(None, feeds)[0][0]))
    return np.array(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--layers", type=int, default=6)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(2)

    model = Reader(args.layers)
    model.load_state_dict(torch.load(args.out / "reader.pt"))
    model.eval()
    fp32, int8 = args.out / "reader-fp32.onnx", args.out / "reader.onnx"
    export(model, fp32)
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    log.info(
        "exported: fp32 %.1f MB, int8 %.1f MB", fp32.stat().st_size / 1e6, int8.stat().st_size / 1e6
    )

    tok = tokenizer(base_file("tokenizer.json"))
    items = load_jsonl(args.data / "validation.jsonl")
    sessions = {"fp32": session(fp32), "int8": session(int8)}
    logits: dict[str, list[list[float]]] = {name: [] for name in sessions}
    seconds: dict[str, float] = dict.fromkeys(sessions, 0.0)
    for item in items:
        rows = [encode(tok, str(item["question"]), s) for s in item["sentences"]]  # type: ignore[union-attr]
        for name, sess in sessions.items():
            started = time.perf_counter()
            logits[name].append(run(sess, rows).tolist())
            seconds[name] += time.perf_counter() - started

    flat = {name: np.concatenate([np.array(x) for x in values]) for name, values in logits.items()}
    labels = np.concatenate(
        [[1 if i == item["answer"] else 0 for i in range(len(item["sentences"]))] for item in items]  # type: ignore[arg-type]
    )
    difference = np.abs(flat["fp32"] - flat["int8"])
    figures: dict[str, object] = {
        "validation_questions": len(items),
        "validation_pairs": len(labels),
        "int8_vs_fp32": {
            "max_logit_difference": round(float(difference.max()), 3),
            "mean_logit_difference": round(float(difference.mean()), 3),
            "auc_fp32": round(auc(flat["fp32"], labels), 4),
            "auc_int8": round(auc(flat["int8"], labels), 4),
        },
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
    }
    probabilities = [list(1 / (1 + np.exp(-np.array(x)))) for x in logits["int8"]]
    threshold = choose_threshold(items, probabilities)
    figures["threshold"] = threshold
    for style in ("all", "written", "chat"):
        chosen = [i for i, item in enumerate(items) if style in ("all", item["style"])]
        figures[f"validation_{style}"] = question_figures(
            [items[i] for i in chosen], [probabilities[i] for i in chosen], threshold
        )
    figures["sha256"] = {"reader.onnx": sha256(int8), "reader-fp32.onnx": sha256(fp32)}
    figures["size_mb"] = round(int8.stat().st_size / 1e6, 1)
    (args.out / "figures.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
