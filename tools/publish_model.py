"""Prepare a checkpoint (full or delta) for release, as OpenMMLab's publish_model.py does.

Usage:
    python tools/publish_model.py IN_FILE OUT_FILE [--save-keys meta state_dict]

Keeps only ``--save-keys`` (default: ``meta`` and ``state_dict``; the optimizer state, message hub
and scheduler states are dropped), saves, and renames the file to ``{OUT_FILE stem}-{sha256[:8]}.pth``.
A delta stays a delta: its ``meta['protuning_delta']`` (base fingerprint) is kept.
"""
import argparse
import hashlib
import os
import os.path as osp

import protuning_mm  # noqa: F401  (lets torch.load read mmengine checkpoints safely)
from protuning_mm.utils.checkpoint_io import atomic_torch_save, load_checkpoint_file
from protuning_mm.utils.cli import run_main


def publish(in_file: str, out_file: str, save_keys=('meta', 'state_dict')) -> str:
    """Strip ``in_file`` to ``save_keys`` and save it as ``{out_file stem}-{sha256[:8]}.pth``.

    Args:
        in_file (str): Checkpoint to publish.
        out_file (str): Output path; the hash is inserted before ``.pth``.
        save_keys (Sequence[str]): Top-level keys to keep. Defaults to ``('meta', 'state_dict')``.

    Returns:
        str: The final file name.
    """
    checkpoint = load_checkpoint_file(in_file)
    missing = [k for k in save_keys if k not in checkpoint]
    if missing:
        raise KeyError(f'{in_file} has no {missing}; it holds {sorted(checkpoint)}.')
    for key in sorted(set(checkpoint) - set(save_keys)):
        print(f'Removing `{key}` (not in --save-keys).')
        del checkpoint[key]
    atomic_torch_save(checkpoint, out_file)
    digest = hashlib.sha256()
    with open(out_file, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    stem = out_file[:-4] if out_file.endswith('.pth') else out_file
    final = f'{stem}-{digest.hexdigest()[:8]}.pth'
    os.replace(out_file, final)
    print(f'The published model is saved at {final} ({osp.getsize(final) / 2**20:.1f} MiB).')
    return final


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('in_file', help='input checkpoint')
    parser.add_argument('out_file', help='output checkpoint (the hash is added to its name)')
    parser.add_argument('--save-keys', nargs='+', default=['meta', 'state_dict'],
                        help='top-level keys to keep')
    args = parser.parse_args()
    publish(args.in_file, args.out_file, args.save_keys)


if __name__ == '__main__':
    run_main(main)
