"""What a file is (from its bytes), the name it keeps, and photos without their secrets."""

import io

import pytest
from PIL import ExifTags, Image

from concierge.attachments import content, images
from concierge.errors import ApplicationError
from tests.concierge.attachments import samples


def on_disk(tmp_path, data, name="upload"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (samples.jpeg(), "x", content.JPEG),
        (samples.png(), "x", content.PNG),
        (samples.gif(), "x", content.GIF),
        (samples.pdf(), "x", content.PDF),
        (samples.docx(), "x", content.DOCX),
        (samples.odt(), "x", content.ODT),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024, "budget.xls", content.XLS),
        (samples.TEXT, "list.txt", content.TEXT),
        (b"a;b\n", "list.csv", content.CSV),
    ],
)
def test_the_content_decides(tmp_path, data, name, kind):
    assert content.identify(on_disk(tmp_path, data), name) is kind


@pytest.mark.parametrize(
    "data",
    [
        samples.HTML,
        samples.SVG,
        b"\xef\xbb\xbf  <?xml version='1.0'?><svg/>",
        b"\n<HTML><BODY>hi</BODY></HTML>",
        samples.EXE,
        b"\x7fELF\x02\x01\x01" + b"\0" * 100,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024,  # OLE named neither .doc nor .xls
        b"latin-1 \xe9t\xe9 text",  # not UTF-8: not taken for text
    ],
)
def test_what_is_refused(tmp_path, data):
    with pytest.raises(ApplicationError) as refused:
        content.identify(on_disk(tmp_path, data), "innocent.png")
    assert refused.value.code == "file_type_not_allowed"
    assert refused.value.status == 415


def test_an_archive_holding_a_program_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("invoice.pdf.exe", b"MZ")
    with pytest.raises(ApplicationError):
        content.identify(str(path), "a.zip")


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("boiler.jpg", "boiler.jpg"),
        ("../../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("tab\tand\nnewline.pdf", "tab and newline.pdf"),
        ("evil\u202egpj.exe", "evilgpj.exe"),  # no right-to-left override
        ("\x00\x01", "file"),
        ("...", "file"),
        ("", "file"),
        ("e\u0301te\u0301.pdf", "\u00e9t\u00e9.pdf"),  # NFC
        ('a<b>c:"d"|e?*.pdf', "abcde.pdf"),
    ],
)
def test_names_are_sanitised(given, kept):
    assert content.sanitised_name(given) == kept


def test_a_stored_name_has_the_extension_of_its_content():
    assert content.stored_name("photo.png", content.JPEG) == "photo.jpg"
    assert content.stored_name("photo.JPEG", content.JPEG) == "photo.JPEG"
    assert content.stored_name("notes", content.TEXT) == "notes.txt"
    assert content.stored_name("page.html", content.TEXT) == "page.html.txt"


# Photos without their secrets --------------------------------------------------------------


def test_a_photo_loses_its_exif_and_gps_and_is_turned_upright(tmp_path):
    original = samples.jpeg(size=(64, 48), orientation=6)  # "rotate 90°" on display
    assert b"SpyCam" in original
    clean = images.clean(on_disk(tmp_path, original), content.JPEG)
    data = clean.file.read()
    assert b"SpyCam" not in data
    assert b"taken at home" not in data
    assert b"Exif" not in data
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.size == (48, 64)  # upright now
    exif = image.getexif()
    assert dict(exif) == {}
    assert exif.get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert "comment" not in image.info


def test_a_png_loses_its_text_chunks_and_keeps_its_transparency(tmp_path):
    clean = images.clean(on_disk(tmp_path, samples.png()), content.PNG)
    data = clean.file.read()
    assert b"secret note" not in data
    image = Image.open(io.BytesIO(data))
    assert image.mode == "RGBA"
    assert image.getpixel((0, 0)) == (0, 128, 255, 200)


def test_an_animated_gif_keeps_its_frames(tmp_path):
    clean = images.clean(on_disk(tmp_path, samples.gif(frames=3)), content.GIF)
    assert Image.open(clean.file).n_frames == 3


def test_a_preview_is_small_webp(tmp_path):
    clean = images.clean(on_disk(tmp_path, samples.jpeg(size=(2000, 1000))), content.JPEG)
    preview = Image.open(io.BytesIO(clean.thumbnail))
    assert preview.format == "WEBP"
    assert max(preview.size) == 480


def test_an_image_of_another_format_than_its_signature_is_refused(tmp_path):
    with pytest.raises(ApplicationError) as refused:
        images.clean(on_disk(tmp_path, samples.png()), content.JPEG)
    assert refused.value.code == "file_type_not_allowed"
