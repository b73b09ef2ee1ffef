import pytest

from sccscore._atomic import atomic_open, write_csv


def test_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "predictions.csv"
    write_csv(target, ["a"], [[1]])
    with pytest.raises(KeyboardInterrupt):
        with atomic_open(target) as handle:
            handle.write("half a ro")
            raise KeyboardInterrupt
    assert target.read_text() == "a\n1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["predictions.csv"]
