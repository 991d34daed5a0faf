"""Builds the pixel test fixtures (test/fixtures/pixels): small images in every photometric
interpretation and bit depth the renderer handles, and the sources that scripts/make-pixel-fixtures.sh
compresses with DCMTK and Pillow. Fixed UIDs and pixel values keep regenerated files identical.

  python3 make_pixel_fixtures.py build OUT_DIR       # the native source images
  python3 make_pixel_fixtures.py j2k SRC DST LOSSY  # SRC's frame as JPEG 2000 (Pillow/OpenJPEG)
  python3 make_pixel_fixtures.py same A B          # exit 1 unless A and B hold the same pixel values
"""
import io
import os
import sys

import numpy as np
import pydicom
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.pixel_data_handlers.util import convert_color_space
from pydicom.uid import ExplicitVRLittleEndian

SC = "1.2.840.10008.5.1.4.1.1.7"
CT = "1.2.840.10008.5.1.4.1.1.2"


def uid(n):
    return "2.25.%d" % (171122480139473542157285431846352096000 + n)


def base(n, sop_class=SC, modality="OT"):
    ds = Dataset()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = uid(n)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = uid(999)
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = uid(n)
    ds.StudyInstanceUID = uid(100)
    ds.SeriesInstanceUID = uid(200 + n)
    ds.PatientID = "PIXELS"
    ds.Modality = modality
    ds.InstanceNumber = str(n)
    return ds


def image(ds, pixels, photometric, bits_stored=None, signed=False):
    rows, cols = pixels.shape[0], pixels.shape[1]
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 3 if pixels.ndim == 3 else 1
    if pixels.ndim == 3:
        ds.PlanarConfiguration = 0
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = pixels.dtype.itemsize * 8
    ds.BitsStored = bits_stored or ds.BitsAllocated
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if signed else 0
    ds.PixelData = pixels.tobytes()
    ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"


def save(ds, path):
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.save_as(path, write_like_original=False)


def regions(rows, cols, left, top_right, bottom_right, dtype):
    """Left half, top right and bottom right quadrants, plus a little texture so codecs work."""
    y, x = np.mgrid[0:rows, 0:cols]
    out = np.where(x < cols // 2, left, np.where(y < rows // 2, top_right, bottom_right))
    return (out + (x * y) % 7).astype(dtype)


def build(out):
    os.makedirs(out, exist_ok=True)
    # CT, 16-bit signed with slope 2: stored -500/20/500 are -1000/40/1000 HU; window 40/400.
    ds = base(1, CT, "CT")
    image(ds, regions(64, 64, 20, -500, 500, np.int16), "MONOCHROME2", signed=True)
    ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = "2", "0", "HU"
    ds.WindowCenter, ds.WindowWidth = "40", "400"
    save(ds, os.path.join(out, "ct-signed.dcm"))
    # CT, 12 bits stored unsigned with intercept -1024: the same HU values and window.
    ds = base(2, CT, "CT")
    image(ds, regions(64, 64, 1064, 24, 2024, np.uint16), "MONOCHROME2", bits_stored=12)
    ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = "1", "-1024", "HU"
    ds.WindowCenter, ds.WindowWidth = "40", "400"
    save(ds, os.path.join(out, "ct-12bit.dcm"))
    # MONOCHROME1 without a window: the pixel range is the window, and low values are white.
    ds = base(3)
    image(ds, regions(32, 32, 0, 240, 240, np.uint8), "MONOCHROME1")
    save(ds, os.path.join(out, "mono1.dcm"))
    # PALETTE COLOR: index 0 is red, 1 is green (16-bit LUT entries).
    ds = base(4)
    image(ds, np.where(np.mgrid[0:32, 0:32][1] < 16, 0, 1).astype(np.uint8), "PALETTE COLOR")
    red = np.zeros(256, np.uint16)
    green = np.zeros(256, np.uint16)
    blue = np.zeros(256, np.uint16)
    red[0], green[1] = 0xFFFF, 0xFFFF
    for name, lut in (("Red", red), ("Green", green), ("Blue", blue)):
        setattr(ds, name + "PaletteColorLookupTableDescriptor", [256, 0, 16])
        setattr(ds, name + "PaletteColorLookupTableData", lut.tobytes())
    save(ds, os.path.join(out, "palette.dcm"))
    # YBR_FULL: red on the left, blue on the right.
    ds = base(5)
    rgb = np.zeros((32, 32, 3), np.uint8)
    rgb[:, :16] = (255, 0, 0)
    rgb[:, 16:] = (0, 0, 255)
    image(ds, convert_color_space(rgb, "RGB", "YBR_FULL"), "YBR_FULL")
    save(ds, os.path.join(out, "ybr-full.dcm"))


def j2k(src, dst, lossy):
    ds = pydicom.dcmread(src)
    arr = ds.pixel_array
    img = Image.fromarray(arr.astype(np.uint16), mode="I;16") if arr.dtype.itemsize == 2 else Image.fromarray(arr)
    buf = io.BytesIO()
    options = {"irreversible": True, "quality_mode": "rates", "quality_layers": [8]} if lossy else {"irreversible": False}
    img.save(buf, format="JPEG2000", no_jp2=True, **options)
    ds.PixelData = encapsulate([buf.getvalue()])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.91" if lossy else "1.2.840.10008.1.2.4.90"
    if lossy:
        ds.LossyImageCompression = "01"
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.save_as(dst, write_like_original=False)


def same(a, b):
    left, right = pydicom.dcmread(a).pixel_array, pydicom.dcmread(b).pixel_array
    if left.shape != right.shape or not np.array_equal(left, right):
        sys.exit("pixels of %s and %s differ" % (a, b))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "build":
        build(sys.argv[2])
    elif command == "j2k":
        j2k(sys.argv[2], sys.argv[3], sys.argv[4] == "lossy")
    elif command == "same":
        same(sys.argv[2], sys.argv[3])
