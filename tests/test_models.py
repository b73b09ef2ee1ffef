import json
import pickle

import numpy as np
import pytest
import torch

from sccscore.config import ModelConfig
from sccscore.errors import ModelError
from sccscore.images import scan_sample
from sccscore.models import ScoringModel, imagenet_backbone_state, load_model, save_model
from sccscore.predict import predict


@pytest.fixture(scope="module")
def ensemble():
    return load_model("paper:squeezenet1_1")


@pytest.fixture
def items(small_labelled):
    return scan_sample(small_labelled).items


def test_released_model_has_the_papers_head():
    model = load_model("paper:squeezenet1_1/7")
    head = model.net.classifier[1]
    assert (head.in_channels, head.out_channels, head.kernel_size) == (512, 3, (1, 1))
    assert model.config.classes == ("A", "B", "C") and model.config.input.size == (224, 224)


def test_squeezenet_is_torchvisions_layer_for_layer_and_draw_for_draw():
    from torchvision.models import squeezenet1_1

    from sccscore.squeezenet import SqueezeNet

    torch.manual_seed(5)
    theirs = squeezenet1_1(weights=None)
    after_theirs = torch.rand(3)  # the same random numbers drawn, so a seeded training goes on the same
    torch.manual_seed(5)
    ours = SqueezeNet()
    assert torch.equal(torch.rand(3), after_theirs)
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert [(k, v.shape) for k, v in ours_state.items()] == [(k, v.shape) for k, v in theirs_state.items()]
    assert all(torch.equal(v, theirs_state[k]) for k, v in ours_state.items())
    assert str(ours.features) == str(theirs.features) and str(ours.classifier) == str(theirs.classifier)
    pixels = torch.rand(2, 3, 224, 224)
    assert torch.equal(ours.eval()(pixels), theirs.eval()(pixels))


def test_ensemble_members_equal_the_single_released_models(ensemble, items):
    # float32 on both sides: bfloat16 (the default engine here) re-scores different crops per model.
    together = predict(ensemble, items, engine="onnx")
    assert together.member_probabilities.shape == (12, 30, 3)
    for n in (1, 17, 30):
        alone = predict(load_model(f"paper:squeezenet1_1/{n}"), items, engine="onnx")
        np.testing.assert_allclose(together.member_probabilities[:, n - 1], alone.probabilities, atol=1e-5)
    np.testing.assert_allclose(together.probabilities, together.member_probabilities.mean(axis=1))


def test_saved_model_reloads_to_identical_predictions(tmp_path, items):
    model = load_model("paper:squeezenet1_1/3")
    folder = save_model(model, tmp_path / "models" / "m")
    assert [p.name for p in folder.parent.iterdir()] == ["m"]  # no staging folder left
    assert json.loads((folder / "config.json").read_text())["backbone"] == "squeezenet1_1"
    again = load_model(folder)
    np.testing.assert_array_equal(
        predict(model, items).member_probabilities, predict(again, items).member_probabilities
    )
    with pytest.raises(ModelError, match="already exists"):
        save_model(model, folder)


def test_mismatched_checkpoint_names_the_file(tmp_path):
    folder = save_model(load_model("paper:squeezenet1_1/1"), tmp_path / "m")
    config = json.loads((folder / "config.json").read_text()) | {"backbone": "resnet18"}
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match=r"model\.safetensors: weights do not fit resnet18 .*missing: "):
        load_model(folder)


def test_broken_model_folders(tmp_path):
    with pytest.raises(ModelError, match=r"nope: no such model"):
        load_model(tmp_path / "nope")
    folder = save_model(load_model("paper:squeezenet1_1/1"), tmp_path / "m")
    (folder / "model.safetensors").write_bytes(b"\x00" * 100)
    with pytest.raises(ModelError, match=r"model\.safetensors: not a readable safetensors file"):
        load_model(folder)
    (folder / "config.json").write_text(json.dumps({"version": 99, "backbone": "squeezenet1_1"}))
    with pytest.raises(ModelError, match=r"config\.json: model config version 99 is not supported"):
        load_model(folder)
    (folder / "config.json").unlink()
    with pytest.raises(ModelError, match=r"config\.json: missing"):
        load_model(folder)


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("paper:squeezenet1_1/31", "released model 31 does not exist"),
        ("paper:squeezenet1_1/x", "model number must be 1 to 30"),
        ("paper:resnet18", "unknown released model"),
    ],
)
def test_bad_released_references(reference, message):
    with pytest.raises(ModelError, match=message):
        load_model(reference)


def test_corrupted_released_model_is_refused(ikemoto, tmp_path, monkeypatch):
    copy = tmp_path / "data"
    (copy / "models" / "squeezenet1_1").mkdir(parents=True)
    (copy / "images").symlink_to(ikemoto / "images")
    target = copy / "models" / "squeezenet1_1" / "SqueezeNet_2.pth"
    data = bytearray((ikemoto / "models" / "squeezenet1_1" / "SqueezeNet_2.pth").read_bytes())
    data[-100] ^= 0xFF
    target.write_bytes(bytes(data))
    monkeypatch.setenv("SCCSCORE_DATA", str(copy))
    with pytest.raises(ModelError, match=r"SqueezeNet_2\.pth: checksum does not match"):
        load_model("paper:squeezenet1_1/2")


def test_missing_released_model_is_named(ikemoto, tmp_path, monkeypatch):
    (tmp_path / "models" / "squeezenet1_1").mkdir(parents=True)
    (tmp_path / "images").symlink_to(ikemoto / "images")
    monkeypatch.setenv("SCCSCORE_DATA", str(tmp_path))
    with pytest.raises(ModelError, match=r"SqueezeNet_1\.pth: released model file is missing"):
        load_model("paper:squeezenet1_1")


def test_checkpoints_are_not_unpickled_freely(tmp_path):
    from sccscore.models import _read_checkpoint

    path = tmp_path / "evil.pth"
    with open(path, "wb") as handle:
        pickle.dump({"x": pickle.loads(pickle.dumps(print))}, handle)  # a pickled callable
    with pytest.raises(ModelError, match=r"evil\.pth: not a readable PyTorch checkpoint"):
        _read_checkpoint(path)


def test_squeezenet_imagenet_backbone_offline_comes_from_the_released_models(ikemoto, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # no cached torchvision weights; no network here
    state = imagenet_backbone_state("squeezenet1_1")
    released = torch.load(ikemoto / "models/squeezenet1_1/SqueezeNet_9.pth", map_location="cpu", weights_only=True)
    assert state.keys() == {k for k in released if k.startswith("features.")}
    assert all(torch.equal(state[k], released[k]) for k in state)
    with pytest.raises(ModelError, match=r"resnet18-f37072fd\.pth: ImageNet weights for resnet18 not found"):
        imagenet_backbone_state("resnet18")


def test_resnet18_head_is_the_papers():
    model = ScoringModel(ModelConfig(backbone="resnet18"))
    assert (model.net.fc.in_features, model.net.fc.out_features) == (512, 3)
    assert model(torch.zeros(2, 3, 224, 224)).shape == (2, 1, 3)


def test_preprocessing_can_be_overridden_at_load():
    assert load_model("paper:squeezenet1_1/1", preprocess="paper").config.input.preprocess == "paper"
    assert load_model("paper:squeezenet1_1/1").config.input.preprocess == "none"
    with pytest.raises(ModelError, match="unknown preprocessing 'fancy'"):
        load_model("paper:squeezenet1_1/1", preprocess="fancy")


def test_what_a_model_learned_reads_alike_from_its_name_without_loading_it(tmp_path):
    """compare of a table reads what the model it names learned without loading it (learned.learner_named), and
    cautions from that as classify did from the model loaded (learned.learner_of): the two must agree, the training
    record of sccscore's shipped models read from their head files' metadata, a model folder's from its config."""
    from dataclasses import replace

    from sccscore.learned import Learner, learner_named, learner_of
    from sccscore.models import preprocessing

    for reference in ("paper:squeezenet1_1", "paper:squeezenet1_1/3", "sccscore:spreads", "sccscore:grey-crops"):
        assert learner_named(reference) == learner_of(load_model(reference)), reference
    assert learner_named("sccscore:spreads").training["trained_on"]  # read, not empty
    assert learner_named("sccscore:grey-crops").training["white_texture"]
    model = load_model("paper:squeezenet1_1/1")
    model.config = replace(model.config, training={"white_around": {"raw": {"A": [0, 40]}}})
    folder = save_model(preprocessing(model, "paper"), tmp_path / "m")
    assert learner_named(str(folder)) == learner_of(load_model(folder)) == Learner(
        str(folder.resolve()), False, "paper", {"white_around": {"raw": {"A": [0, 40]}}})
    assert learner_named(str(tmp_path / "gone")) is None
