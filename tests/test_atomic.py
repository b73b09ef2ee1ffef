import os

import pytest

from sccscore._atomic import (atomic_open, check_new_folder, one_run_at_a_time, output_folder, staged_folder,
                              write_csv, write_json)
from sccscore.errors import SccscoreError


def test_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "predictions.csv"
    write_csv(target, ["a"], [[1]])
    with pytest.raises(KeyboardInterrupt):
        with atomic_open(target) as handle:
            handle.write("half a ro")
            raise KeyboardInterrupt
    assert target.read_text() == "a\n1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["predictions.csv"]


def test_a_staged_folder_appears_whole_or_not_at_all(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with staged_folder(tmp_path / "model") as staging:
            (staging / "one.json").write_text("{}")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    with staged_folder(tmp_path / "model") as staging:
        (staging / "one.json").write_text("{}")
    assert [p.name for p in (tmp_path / "model").iterdir()] == ["one.json"]
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "model").stat().st_mode & 0o777 == 0o777 & ~umask  # not the staging folder's private mode


def test_unwritable_outputs_are_named(tmp_path):
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(SccscoreError, match=r"a_file: exists and is not a folder"):
        output_folder(tmp_path / "a_file")
    with pytest.raises(SccscoreError, match=rf"{tmp_path}: is a folder; give a file name"):
        write_json(tmp_path, {"a": 1})
    # a place no folder can be made in (even by root): named, not a traceback, and nothing left
    with pytest.raises(SccscoreError, match=r"^/proc/model: cannot create the output folder \(No such file"):
        with staged_folder("/proc/model"):
            pass
    with pytest.raises(SccscoreError, match=r"^/proc/corrected\.csv: cannot be written \(No such file"):
        write_csv("/proc/corrected.csv", ["a"], [[1]])
    # a folder that exists but takes no files (even from root): the run's lock cannot be made in it
    with pytest.raises(SccscoreError, match=r"^/proc: cannot be written \(.*\); choose another output folder$"):
        with one_run_at_a_time("/proc"):
            pass


def test_training_refuses_a_model_folder_it_could_not_write_before_it_trains(small_labelled, oshima, tmp_path, cli):
    check_new_folder(tmp_path / "new" / "model")
    assert list((tmp_path / "new").iterdir()) == []  # the trial folder is gone
    with pytest.raises(SccscoreError, match=r"new: already exists; choose a new model folder"):
        check_new_folder(tmp_path / "new")
    # train and train-spreads stop before their first step (features; fitting the merge model), not after
    for command in (["train", str(small_labelled)], ["train-spreads", str(oshima / "images"), str(oshima / "labels")]):
        run = cli(*command, "--out", "/proc/model")
        assert run.returncode != 0 and run.stderr.splitlines() == [
            "error: /proc/model: cannot create the output folder (No such file or directory)"]
