"""The notebooks run end to end: each is executed with nbclient on a kernel of this interpreter (a temporary
kernelspec pointing at sys.executable, so nothing is installed and the venv's packages are the ones used),
into a temporary copy; a failing cell fails the test. The repo's .ipynb files are only read, and must stay
without outputs. Set NEWSSTANCE_NB_OUTPUT_DIR to keep the executed copies (e.g. as CI artifacts)."""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402  (after the import checks)
from jupyter_client.manager import KernelManager  # noqa: E402

from conftest import SHARED  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 120  # seconds per cell: a hung cell fails instead of blocking CI
NOTEBOOK_BUDGET = 150  # seconds per notebook, kernel start included (each takes 15-50 s on 2 cores)
KERNEL = "newsstance-test"


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory):
    """A kernelspec folder whose one kernel runs ipykernel on this very interpreter."""
    folder = tmp_path_factory.mktemp("kernels")
    spec = folder / KERNEL
    spec.mkdir()
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "newsstance tests", "language": "python", "metadata": {"debugger": False},
    }), encoding="utf-8")
    return folder


def test_notebooks_are_found():
    assert {p.name for p in NOTEBOOKS} >= {"01-explore-outlets.ipynb", "02-retrain.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip the outputs"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, kernel_dir, tmp_path, monkeypatch):
    if not (SHARED / "seeds").is_dir():
        pytest.skip(f"the shared folder (seeds) is not at {SHARED}")
    original = path.read_bytes()
    work = tmp_path / path.name
    shutil.copyfile(path, work)
    notebook = nbformat.read(work, as_version=4)
    monkeypatch.setenv("NEWSSTANCE_SHARED", str(SHARED))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.delenv("NEWSSTANCE_MODELS", raising=False)  # the repo's registry, as a user would have it
    manager = KernelManager(kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel_dir)]))
    client = nbclient.NotebookClient(notebook, km=manager, timeout=CELL_TIMEOUT, kernel_name=KERNEL,
                                     resources={"metadata": {"path": str(tmp_path)}}, allow_errors=False)
    started = time.perf_counter()
    try:
        client.execute()  # starts the kernel on `manager`; nbclient leaves a kernel it was given running
    finally:
        if manager.has_kernel:
            manager.shutdown_kernel(now=False)
        keep = os.environ.get("NEWSSTANCE_NB_OUTPUT_DIR")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, Path(keep) / path.name)
    seconds = time.perf_counter() - started
    print(f"{path.name}: executed in {seconds:.1f} s")
    assert path.read_bytes() == original, "executing must not write to the repo's notebook"
    images = sum("image/png" in output.get("data", {}) for cell in notebook.cells if cell.cell_type == "code"
                 for output in cell.outputs)
    assert images >= 4, f"{path.name}: expected its figures in the outputs, found {images}"
    assert seconds < NOTEBOOK_BUDGET, f"{path.name} took {seconds:.0f} s (budget {NOTEBOOK_BUDGET} s)"
