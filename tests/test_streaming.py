"""Streaming, resumable classify and the fast runtime."""

import csv
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from sccscore.classify import classify
from sccscore.errors import SccscoreError
from sccscore.images import scan_sample, scan_samples
from sccscore.models import load_model
from sccscore.predict import predict, predict_batches
from sccscore.runtime import _openvino_computes_bf16, choose_engine, describe_engine, make_runner


def test_onnx_and_torch_engines_agree_on_real_crops(small_labelled):
    model = load_model("paper:squeezenet1_1")
    items = scan_sample(small_labelled).items
    onnx = predict(model, items, engine="onnx")
    torch_run = predict(model, items, engine="torch")
    np.testing.assert_allclose(onnx.member_probabilities, torch_run.member_probabilities, atol=1e-4)
    assert onnx.predicted == torch_run.predicted


def test_a_model_of_eight_views_is_given_fewer_crops_at_once_with_the_same_scores(labelled_crops):
    """ONNX Runtime keeps the memory of its largest batch: 64 crops in 8 views are 512 images."""
    model = load_model("sccscore:spreads")  # scores each crop in its 8 turned and mirrored views
    items = scan_sample(labelled_crops("wt", 7, "wt_seven")).items
    batches = list(predict_batches(model, items, engine="onnx"))
    assert model.config.views == 8 and [len(batch.items) for batch in batches] == [8, 8, 5]
    at_once = predict(model, items, engine="onnx", batch_size=64)
    scored = np.concatenate([batch.member_probabilities for batch in batches])
    np.testing.assert_allclose(scored, at_once.member_probabilities, atol=1e-5)
    assert [len(batch.items) for batch in predict_batches(load_model("paper:squeezenet1_1/1"), items)] == [21]


@pytest.mark.slow
@pytest.mark.parametrize("reference", ["paper:squeezenet1_1/1", "paper:squeezenet1_1"])
def test_openvino_keeps_the_float32_types_of_every_shared_crop(ikemoto, reference):
    # On a CPU with bfloat16 (this one) OpenVINO scores in bfloat16 and re-scores near ties in float32.
    model = load_model(reference)
    items = [item for sample in scan_samples([ikemoto / "images" / "wt", ikemoto / "images" / "ctf18"])
             for item in sample.items]
    fast = predict(model, items, engine="openvino")
    exact = predict(model, items, engine="onnx")
    assert len(items) == 906
    assert fast.predicted == exact.predicted
    # Members too, except exact ties (one crop has a member at 0.5/0.5), which float noise may tip either way.
    member_changed = fast.member_probabilities.argmax(axis=2) != exact.member_probabilities.argmax(axis=2)
    top_two = np.sort(exact.member_probabilities, axis=2)[..., -2:]
    assert (top_two[..., 1] - top_two[..., 0])[member_changed].max(initial=0) < 1e-4
    assert np.abs(fast.member_probabilities - exact.member_probabilities).max() < 0.1


def test_auto_engine_is_openvino_for_one_model_on_a_bfloat16_cpu_and_onnx_for_the_ensemble():
    single, ensemble = load_model("paper:squeezenet1_1/1"), load_model("paper:squeezenet1_1")
    assert choose_engine(single, "cpu") == ("openvino" if _openvino_computes_bf16() else "onnx")
    assert choose_engine(ensemble, "cpu") == "onnx"
    assert choose_engine(single, "cpu", "torch") == "torch"
    assert describe_engine(ensemble, "cpu") == "ONNX Runtime on the CPU, float32"


def test_unknown_engine_is_named():
    with pytest.raises(SccscoreError, match="unknown engine 'fast'"):
        make_runner(load_model("paper:squeezenet1_1/1"), engine="fast")


def _part_rows(out):
    part = out / ".predictions.csv.part"
    return part.read_bytes().count(b"\n") if part.exists() else 0


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT])  # a power cut; Ctrl-C
def test_resume_after_a_kill_gives_the_same_tables(ikemoto, tmp_path, cli, stop):
    folders = [str(ikemoto / "images" / "wt"), str(ikemoto / "images" / "ctf18")]
    options = ["-m", "paper:squeezenet1_1/2", "--batch-size", "8", "--workers", "1", "-q"]
    whole = cli("classify", *folders, "-o", str(tmp_path / "whole"), *options)
    assert whole.returncode == 0, whole.stderr

    out = tmp_path / "killed"
    # Ctrl-C reaches a terminal's foreground process: not ignored, as a shell's background jobs (make test &) pass on
    process = subprocess.Popen([sys.executable, "-m", "sccscore", "classify", *folders, "-o", str(out), *options],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while _part_rows(out) < 200 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(process.pid, stop)
    said = process.communicate()[1]
    assert 200 <= _part_rows(out) < 907, "the run was not killed mid-way"
    if stop == signal.SIGINT:  # said how to go on, where typer exits in silence
        assert process.returncode == 130
        assert said.splitlines()[-1] == (f"interrupted; {out} keeps what was scored so far: the same command with "
                                         "--resume scores only the rest")
    assert not (out / "predictions.csv").exists()

    resumed = cli("classify", *folders, "-o", str(out), *options, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    for table in ("predictions.csv", "summary.csv", "rejected.csv"):
        assert (out / table).read_text() == (tmp_path / "whole" / table).read_text(), table
    assert sorted(p.name for p in out.iterdir()) == ["predictions.csv", "rejected.csv", "summary.csv"]


@pytest.mark.slow
def test_a_second_run_into_a_folder_being_written_is_refused(ikemoto, tmp_path, cli):
    """The same command run again in another terminal had mixed the two runs' rows into one predictions.csv (wt's and
    ctf18's), beside a summary.csv of one of them."""
    out, options = tmp_path / "scored", ["-m", "paper:squeezenet1_1/2", "--batch-size", "8", "--workers", "1", "-q"]
    first = subprocess.Popen([sys.executable, "-m", "sccscore", "classify", str(ikemoto / "images" / "wt"), "-o",
                              str(out), *options], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while _part_rows(out) < 2 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(first.pid, signal.SIGSTOP)  # paused mid-way, so that the second finds it writing however slow it starts
    try:
        second = cli("classify", str(ikemoto / "images" / "ctf18"), "-o", str(out), *options)
    finally:
        os.kill(first.pid, signal.SIGCONT)
    said = first.communicate()[1]
    assert first.returncode == 0, said
    assert second.returncode == 2
    assert " ".join(second.stderr.split()) == (f"error: {out}: another sccscore run (process {first.pid}) is writing "
                                               "into this folder; wait for it to finish, or give this run a folder of "
                                               "its own")
    rows = list(csv.DictReader((out / "predictions.csv").read_text().splitlines()))
    assert {row["sample"] for row in rows} == {"wt"} and len(rows) == 489
    assert sorted(p.name for p in out.iterdir()) == ["predictions.csv", "rejected.csv", "summary.csv"]  # no lock left


def test_resume_drops_an_unfinished_last_row(small_labelled, tmp_path):
    for number, path in enumerate(sorted(small_labelled.glob("*/*"))):  # in two cells: the summary counts them again
        (path.parent / f"cell{number % 2}").mkdir(exist_ok=True)
        path.rename(path.parent / f"cell{number % 2}" / path.name)
    model = load_model("paper:squeezenet1_1/1")
    classify([small_labelled], model, tmp_path / "whole")
    expected = [(tmp_path / "whole" / table).read_text() for table in ("predictions.csv", "summary.csv")]
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        classify([small_labelled], model, out, batch_size=4, progress=_interrupt_after(8))
    part = out / ".predictions.csv.part"
    part.write_bytes(part.read_bytes() + b"/some/path.jpg,wt_sm")  # a row cut by a kill
    classify([small_labelled], model, out, resume=True, batch_size=4)
    assert [(out / table).read_text() for table in ("predictions.csv", "summary.csv")] == expected
    assert "cell_ci_low_A" in expected[1] and ",," not in expected[1]  # the cells' intervals, from the kept rows too


def test_resume_refuses_a_run_with_other_settings(small_labelled, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        classify([small_labelled], load_model("paper:squeezenet1_1/1"), out, batch_size=4, progress=_interrupt_after(4))
    with pytest.raises(SccscoreError, match="used another model, folders or preprocessing"):
        classify([small_labelled], load_model("paper:squeezenet1_1/3"), out, resume=True)
    (out / ".classify-run.json").write_text("{\"model\": ")  # damaged by hand: a clear error, not a traceback
    with pytest.raises(SccscoreError, match="classify-run.json: cannot read what the interrupted run kept"):
        classify([small_labelled], load_model("paper:squeezenet1_1/1"), out, resume=True)


def _interrupt_after(n_images):
    def progress(done, total):
        if done >= n_images:
            raise KeyboardInterrupt

    return progress


def test_resume_without_usable_state_starts_afresh(small_labelled, tmp_path):
    model = load_model("paper:squeezenet1_1/1")
    classify([small_labelled], model, tmp_path / "whole")
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        classify([small_labelled], model, out, batch_size=4, progress=_interrupt_after(4))
    (out / ".rejected.csv.part").unlink()
    classify([small_labelled], model, out, resume=True, batch_size=4)
    assert (out / "predictions.csv").read_text() == (tmp_path / "whole" / "predictions.csv").read_text()


@pytest.mark.parametrize(("device", "message"), [("gpu0", "unknown device 'gpu0'"), ("meta", "not supported")])
def test_bad_devices_are_named(device, message):
    with pytest.raises(SccscoreError, match=message):
        make_runner(load_model("paper:squeezenet1_1/1"), device=device)


@pytest.mark.skipif(torch.cuda.is_available(), reason="only meaningful on a machine without a GPU")
def test_cuda_without_a_gpu_is_a_clear_error():
    with pytest.raises(SccscoreError, match="no CUDA GPU is available here"):
        make_runner(load_model("paper:squeezenet1_1/1"), device="cuda")
