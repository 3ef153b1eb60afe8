"""Stand-in for ``mmcv._ext`` in an mmcv built without its compiled ops (``PROTUNING_MMCV_FLAVOUR=lite``).

``tools/install.sh`` copies this file into mmcv's source tree as ``mmcv/_ext.py`` before building
with ``MMCV_WITH_OPS=0``. mmcv's ops modules load their kernels at import time
(``ext_loader.load_ext('_ext', [names])``, which imports ``mmcv._ext`` and checks each name), and
mmseg 1.2.2 imports ``mmcv.ops`` unconditionally, so without an ``mmcv._ext`` no mmseg model
imports, UperNet included, although it calls no op. With this module every op imports; calling
one raises a ``RuntimeError`` that names the command building the real ops. The compiler queries
that mmengine's ``collect_env`` makes when a run starts answer instead of raising.

An mmcv with compiled ops never holds this file: install.sh uninstalls the lite build (and this
file with it) before installing one.
"""

# protuning_mm.utils.ops_check reads this to tell a build without ops from a broken one.
WITHOUT_OPS = True


def get_compiler_version() -> str:
    return 'none (mmcv built without ops)'


def get_compiling_cuda_version() -> str:
    return 'not available'


def __getattr__(name: str):
    """Every other name is an op kernel, which this build does not have."""
    if name.startswith('__'):  # import machinery and pickling probe dunders: not ops
        raise AttributeError(name)

    def unavailable(*args, **kwargs):
        raise RuntimeError(
            f'mmcv._ext.{name}: this mmcv was built without its compiled ops (PROTUNING_MMCV_FLAVOUR=lite, '
            'MMCV_WITH_OPS=0), and this model calls one. Build them: PROTUNING_MMCV_FLAVOUR=auto bash '
            'tools/install.sh (CUDA ops for the visible GPUs, else CPU ops; add --offline DIR without network).')

    unavailable.__name__ = name
    return unavailable
