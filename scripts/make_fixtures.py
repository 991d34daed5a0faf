"""Builds the DICOM test fixtures and pydicom's view of them (the parser tests' independent oracle).

Run through scripts/make-fixtures.sh, which installs pydicom and DCMTK and converts the files this
writes into the other transfer syntaxes. Two phases:

  python3 make_fixtures.py build  OUT_DIR   # write the pydicom-built source files
  python3 make_fixtures.py expect OUT_DIR   # write expected/<name>.json for every *.dcm in OUT_DIR

Expected JSON follows the conventions of shared/dicom (so the tests compare with deepEqual):
bulk VRs (OB OD OF OL OV OW UN) and group lengths are left out, an empty value inside a
multi-valued element is null, and an empty sequence has no "Value" (PS3.18 F.2.5).
"""
import hashlib
import json
import os
import sys

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import generate_pixel_data_fragment, get_frame_offsets
from pydicom.filebase import DicomBytesIO
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

SC = "1.2.840.10008.5.1.4.1.1.7"
MF_GRAY_BYTE_SC = "1.2.840.10008.5.1.4.1.1.7.2"
BULK_VRS = {"OB", "OD", "OF", "OL", "OV", "OW", "UN", "OB or OW", "US or OW"}


def uid(n):
    """Fixed UIDs keep regenerated fixtures byte-identical."""
    return "2.25.%d" % (329800735698586629295641978511506172918 + n)


def base(n, sop_class=SC, charset=None):
    ds = Dataset()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = uid(n)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = uid(999)
    meta.ImplementationVersionName = "FIXTURES"
    ds.file_meta = meta
    if charset is not None:
        ds.SpecificCharacterSet = charset
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = uid(n)
    ds.StudyDate = "20240131"
    ds.StudyTime = "101530.123"
    ds.Modality = "OT"
    ds.PatientID = "PAT-%03d" % n
    ds.StudyInstanceUID = uid(100)
    ds.SeriesInstanceUID = uid(200 + n)
    ds.SeriesNumber = "3"
    ds.InstanceNumber = str(n)
    return ds


def save(ds, path):
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.save_as(path, write_like_original=False)


def code_item(value, scheme, meaning):
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    return item


def rich(out):
    """Every VR, nested and undefined-length sequences, private tags, Latin-1 text, 16-bit pixels."""
    ds = base(1, charset="ISO_IR 100")
    ds.ImageType = ["ORIGINAL", "", "AXIAL"]
    ds.InstanceCreationDate = "20240131"
    ds.AcquisitionDateTime = "20240131101530.123456+0100"
    ds.AccessionNumber = "ACC-0001"
    ds.Manufacturer = "Ünïcode Medical"
    ds.ReferringPhysicianName = "Müller^Hans^^Dr."
    ds.StudyDescription = "Étude complète"
    ds.ManufacturerModelName = "Model  X"
    ds.RetrieveURL = "http://example.com/studies/1"
    ds.PatientName = "Günther^Zoë=G^Z"
    ds.PatientBirthDate = "19800229"
    ds.PatientSex = "F"
    ds.PatientAge = "044Y"
    ds.PatientSize = "1.68"
    ds.PatientWeight = "72.5"
    ds.PatientComments = ""
    ds.ImagePositionPatient = ["-125.5", "-130", "1.25e2"]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.SliceThickness = "2.5"
    ds.ImageComments = "Line one\r\nLine two \\ with backslash"
    ds.add_new(0x0040A160, "UT", "Unlimited text \\ kept whole  ")
    ds.add_new(0x00181320, "FL", [0.5, -1.25])
    ds.add_new(0x00181635, "FD", [3.141592653589793, -2.5e-300])
    ds.add_new(0x00189440, "SS", [-45, 7])
    ds.add_new(0x00186020, "SL", [-5, 2147483647])
    ds.add_new(0x00081161, "UL", [1, 2, 4294967295])
    ds.add_new(0x00720082, "SV", [-9007199254740991, 42])
    ds.add_new(0x00720083, "UV", [18446744073709551615, 7])
    ds.add_new(0x00280009, "AT", [0x00181063, 0x7FE00010])
    ds.add_new(0x00181638, "OF", b"\x00\x00\x80\x3f" * 4)
    ds.add_new(0x00660022, "OD", b"\x00" * 16)
    ds.add_new(0x00660040, "OL", b"\x01\x00\x00\x00" * 3)
    ds.add_new(0x00720081, "OV", b"\x02" + b"\x00" * 7)
    ds.add_new(0x00420011, "OB", b"%PDF-1.4 fake")
    # Private block: creator, a text element, a UN and a private sequence.
    ds.add_new(0x00110010, "LO", "FIXTURE PRIVATE")
    ds.add_new(0x00111011, "LO", "private text")
    ds.add_new(0x00111012, "UN", b"\x01\x02\x03\x04")
    private_item = Dataset()
    private_item.add_new(0x00111020, "SH", "in private item")
    ds.add_new(0x00111013, "SQ", Sequence([private_item]))

    # Sequences: two items, the first of undefined length; a nested code sequence two deep.
    refs = []
    for i in range(2):
        item = Dataset()
        item.ReferencedSOPClassUID = SC
        item.ReferencedSOPInstanceUID = uid(50 + i)
        item.ReferencedFrameNumber = ["1", "3"]
        refs.append(item)
    ds.ReferencedImageSequence = Sequence(refs)
    ds["ReferencedImageSequence"].is_undefined_length = True
    refs[0].is_undefined_length_sequence_item = True
    procedure = code_item("P-01", "99LOCAL", "Tête et cou")
    modifier = Dataset()
    modifier.LongCodeValue = "a-long-code-value-" * 4
    modifier.CodingSchemeDesignator = "99LOCAL"
    modifier.CodeMeaning = "Modificateur"
    procedure.ModifierCodeSequence = Sequence([modifier])
    ds.ProcedureCodeSequence = Sequence([procedure])
    ds.ReferencedPatientSequence = Sequence([])

    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = 16
    ds.Columns = 16
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.PixelData = bytes((i * 37) & 0xFF for i in range(16 * 16 * 2))
    ds["PixelData"].VR = "OW"
    ds.add_new(0xFFFCFFFC, "OB", b"\x00" * 16)
    save(ds, os.path.join(out, "rich-explicit-le.dcm"))


def charsets(out):
    """One small file per character set family; names from the examples of PS3.5 annexes H to K."""
    cases = [
        ("utf8", "ISO_IR 192", "Wang^XiaoDong=王^小東=", "Ελληνικά – 日本語 – 😀"),
        ("greek", "ISO_IR 126", "Διονυσιος", "Ελληνικά"),
        ("japanese", ["", "ISO 2022 IR 87"], "Yamada^Tarou=山田^太郎=やまだ^たろう", "Tokyo"),
        ("japanese-katakana", ["ISO 2022 IR 13", "ISO 2022 IR 87"], "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう", "ﾃｽﾄ"),
        ("korean", ["", "ISO 2022 IR 149"], "Hong^Gildong=洪^吉洞=홍^길동", "Seoul"),
        ("gb18030", "GB18030", "Wang^XiaoDong=王^小东=", "中文描述"),
    ]
    for i, (name, charset, patient, description) in enumerate(cases):
        ds = base(10 + i, charset=charset)
        ds.PatientName = patient
        ds.StudyDescription = description
        save(ds, os.path.join(out, "charset-%s.dcm" % name))


def multiframe(out):
    """30 frames of 64x64 8-bit grey: the source of the native and compressed multi-frame fixtures."""
    ds = base(20, sop_class=MF_GRAY_BYTE_SC)
    frames, rows, cols = 30, 64, 64
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.NumberOfFrames = str(frames)
    ds.FrameIncrementPointer = 0x00181063
    ds.FrameTime = "33.3"
    ds.Rows = rows
    ds.Columns = cols
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    # A gradient that moves per frame, plus some noise so each JPEG frame spans several 1 KiB fragments.
    seed = [12345]

    def noise():
        seed[0] = (seed[0] * 1103515245 + 12345) & 0x7FFFFFFF
        return (seed[0] >> 16) & 0x3F

    ds.PixelData = bytes(
        ((x + y + 8 * f + noise()) & 0xFF) for f in range(frames) for y in range(rows) for x in range(cols)
    )
    ds["PixelData"].VR = "OB"
    save(ds, os.path.join(out, "multiframe-native.dcm"))


def build(out):
    os.makedirs(out, exist_ok=True)
    rich(out)
    charsets(out)
    multiframe(out)


# ---- expected JSON ------------------------------------------------------------------------------


def normalise(node):
    """pydicom's to_json_dict() rewritten in the conventions the TypeScript parser documents."""
    result = {}
    for tag, element in node.items():
        vr = element["vr"]
        if vr in BULK_VRS or tag.endswith("0000"):
            continue
        values = element.get("Value")
        if values is None:
            result[tag] = {"vr": vr}
            continue
        if vr == "SQ":
            items = [normalise(item) for item in values]
            result[tag] = {"vr": vr, "Value": items} if items else {"vr": vr}
            continue
        values = [None if v == "" else v for v in values]
        if vr in ("SV", "UV"):
            # Beyond 2^53 a JSON number loses digits; such values are strings (PS3.18 F.2.3.1).
            values = [str(v) if abs(v) > 2**53 - 1 else v for v in values]
        result[tag] = {"vr": vr, "Value": values}
    return result


def frame_ranges(path):
    """Per frame: sha256 and length of its bytes, as pydicom finds them (independent of our parser)."""
    ds = pydicom.dcmread(path)
    if "PixelData" not in ds:
        return None
    raw = ds.get_item(0x7FE00010)
    value_offset = raw.value_tell
    nframes = int(ds.get("NumberOfFrames", 1) or 1)
    data = ds.PixelData
    frames = []
    if ds.file_meta.TransferSyntaxUID.is_compressed:
        fp = DicomBytesIO(data)
        fp.is_little_endian = True
        offsets = get_frame_offsets(fp)[1]
        fragments = []
        for fragment in generate_pixel_data_fragment(fp):
            fragments.append(fragment)
        if len(offsets) > 1:
            # Group fragments at the Basic Offset Table's boundaries.
            groups, at, index, current = [], 0, 0, []
            positions = []
            for f in fragments:
                positions.append(at)
                at += 8 + len(f)
            for i, f in enumerate(fragments):
                if positions[i] in offsets and current:
                    groups.append(current)
                    current = []
                current.append(f)
            groups.append(current)
        elif len(fragments) == nframes:
            groups = [[f] for f in fragments]
        elif nframes == 1:
            groups = [fragments]
        else:
            # JPEG: each frame starts with an SOI marker.
            groups = []
            for f in fragments:
                if f[:2] == b"\xff\xd8" or not groups:
                    groups.append([f])
                else:
                    groups[-1].append(f)
        for g in groups:
            blob = b"".join(g)
            frames.append({"sha256": hashlib.sha256(blob).hexdigest(), "length": len(blob)})
    else:
        # The frame size the Image Pixel module implies (the value may carry a padding byte).
        size = ds.Rows * ds.Columns * ds.SamplesPerPixel * ds.BitsAllocated // 8
        for i in range(nframes):
            blob = data[i * size : (i + 1) * size]
            frames.append({"sha256": hashlib.sha256(blob).hexdigest(), "length": len(blob)})
    return {"pixelDataValueOffset": value_offset, "frames": frames}


def expect(out):
    exp_dir = os.path.join(out, "expected")
    os.makedirs(exp_dir, exist_ok=True)
    names = []
    for root, _, files in os.walk(out):
        for f in sorted(files):
            if f.endswith(".dcm"):
                names.append(os.path.join(root, f))
    for path in sorted(names):
        ds = pydicom.dcmread(path)
        expected = {
            "transferSyntaxUid": str(ds.file_meta.TransferSyntaxUID),
            "dataset": normalise(ds.to_json_dict(bulk_data_threshold=1 << 30)),
            "pixels": frame_ranges(path),
        }
        name = os.path.relpath(path, out).replace(os.sep, "__")[: -len(".dcm")]
        with open(os.path.join(exp_dir, name + ".json"), "w", encoding="utf-8") as fh:
            json.dump(expected, fh, ensure_ascii=False, indent=1, sort_keys=True)
            fh.write("\n")


if __name__ == "__main__":
    phase, target = sys.argv[1], sys.argv[2]
    {"build": build, "expect": expect}[phase](target)
