"""Signing, co-signing and verifying letters (generator/signing/, generator/cli/signing.py).

A test PKI is built offline (tests/pki.py); timestamps come from a TSA served on 127.0.0.1. Every
signed PDF is checked twice: by `advocate verify` and by poppler's `pdfsig` (independent, with
the test CA in an NSS database).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.signing.credentials import load_credentials
from generator.signing.fields import field_name, signature_fields
from generator.signing.signing import SignRequest, sign_pdf
from tests.pki import NOW, PASS_A, PASS_B, LocalTSA, Pki, make_pki

DATE = "2026-11-23"
SIGNERS = ("A N Example", "Bora Kim")
TOML = """
paper = "A4"
[sender]
name = "Example Coalition for North Korean Refugees"
address = ["Rue de l'Exemple 1", "1201 Geneva", "Switzerland"]
[[sender.signers]]
name = "A. N. Example"
title = "Executive Director"
[[sender.signers]]
name = "Bora Kim"
title = "Director"
organisation = "Seoul Refugee Rights Centre"
"""

Run = Callable[..., tuple[int, str, str]]


def _invoke(*args: object, env: dict[str, str] | None = None, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], env=env, input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def letters(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The china-nonrefoulement letter rendered for two signers: twice (determinism) and --wet-ink."""
    folder = tmp_path_factory.mktemp("letters")
    ws = folder / "ws"
    ws.mkdir()
    (ws / "advocate.toml").write_text(TOML, encoding="utf-8")
    out = {}
    for name, extra in (("letter", []), ("again", []), ("wet", ["--wet-ink"])):
        path = folder / f"{name}.pdf"
        code, stdout, stderr = _invoke(
            "--workspace", ws, "render", "china-nonrefoulement", "--to", "cn-president", "--date", DATE, "--out", path, *extra
        )
        assert code == 0, stderr
        out[name] = path
    return out


@pytest.fixture
def letter(letters: dict[str, Path], tmp_path: Path) -> Path:
    path = tmp_path / "letter.pdf"
    shutil.copy(letters["letter"], path)
    return path


def pdfsig(pki: Pki, path: Path) -> str:
    assert shutil.which("pdfsig") and pki.nss_dir, "pdfsig (poppler-utils) and certutil (libnss3-tools) are needed: make setup"
    result = subprocess.run(["pdfsig", "-nssdir", f"sql:{pki.nss_dir}", str(path)], capture_output=True, text=True)
    return result.stdout + result.stderr


def sign_a(pki: Pki, pdf: Path, out: Path, *args: object) -> tuple[int, str, str]:
    return _invoke("sign", pdf, "--key", pki.a_p12, "--out", out, *args, env={"ADVOCATE_KEY_PASSPHRASE": PASS_A})


def sign_b(pki: Pki, pdf: Path, out: Path, *args: object) -> tuple[int, str, str]:
    secret = out.parent / "b-passphrase.txt"
    secret.write_text(PASS_B + "\n", encoding="utf-8")
    return _invoke(
        "sign",
        pdf,
        "--key",
        pki.b_key,
        "--cert",
        pki.b_cert,
        "--chain",
        pki.ca_pem,
        "--passphrase-file",
        secret,
        "--out",
        out,
        *args,
        env={"ADVOCATE_KEY_PASSPHRASE": None},
    )


def verify(pdf: Path, *args: object) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code, stdout, stderr = _invoke("verify", pdf, "--json", *args)
    return code, json.loads(stdout) if stdout.strip() else {}, stderr


@pytest.fixture
def cosigned(pki: Pki, letter: Path, tmp_path: Path) -> Path:
    """Signed by A (PKCS#12, B-B), then co-signed by B (PEM, encrypted key, B-T with a local TSA)."""
    first = tmp_path / "signed-a.pdf"
    assert sign_a(pki, letter, first, "--reason", "Approved for the coalition", "--location", "Geneva")[0] == 0
    both = tmp_path / "signed-ab.pdf"
    with LocalTSA(pki) as tsa:
        code, stdout, stderr = sign_b(pki, first, both, "--timestamp-url", tsa.url, "--reason", "Co-signed")
        assert tsa.requests >= 1  # pyHanko asks once more to size the signature
    assert code == 0, stderr
    assert "signed by Bora Kim in field 'Bora Kim' (PAdES B-T)" in stdout
    return both


# -- fields at render time -------------------------------------------------------------------------


def test_render_reserves_one_empty_field_per_signer_deterministically(letters: dict[str, Path]) -> None:
    data = letters["letter"].read_bytes()
    assert data == letters["again"].read_bytes(), "same input must give the same bytes"
    fields = signature_fields(data)
    assert [(f.name, f.signed) for f in fields] == [(SIGNERS[0], False), (SIGNERS[1], False)]


def test_signature_boxes_sit_on_blank_space_from_the_layout(letters: dict[str, Path]) -> None:
    """The field rectangles come from the laid-out boxes: no word of the page (body text,
    footnotes, signer names) lies inside them, and the printed names sit just below them."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(letters["letter"].read_bytes()))
    pages = reader.root["/Pages"]["/Kids"]
    boxes = []
    for number, page in enumerate(pages, 1):
        for annot in page.get_object().get("/Annots", []):
            annot = annot.get_object()
            if annot.get("/FT") == "/Sig":
                height = float(page.get_object()["/MediaBox"][3])
                x1, y1, x2, y2 = (float(v) for v in annot["/Rect"])
                boxes.append((str(annot["/T"]), number, x1, height - y2, x2, height - y1))  # top-left origin, like pdftotext
    assert [b[0] for b in boxes] == list(SIGNERS)
    assert {b[1] for b in boxes} == {len(pages)}, "both boxes on the last page, with the signature block"
    bbox = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(boxes[0][1]), "-l", str(boxes[0][1]), str(letters["letter"]), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    words = [
        (float(a), float(b), float(c), float(d), w)
        for a, b, c, d, w in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', bbox)
    ]
    assert len(words) > 20
    for name, _page, x1, top, x2, bottom in boxes:
        inside = [w for w in words if w[0] < x2 and w[2] > x1 and w[1] < bottom and w[3] > top]
        assert not inside, f"text inside the box of {name}: {inside}"
        first_word = name.split()[0]
        below = [w for w in words if w[4].startswith(first_word) and x1 - 1 <= w[0] <= x2 and 0 <= w[1] - bottom < 20]
        assert below, f"the printed name {name!r} is not right under its box"


def test_wet_ink_prints_lines_and_adds_no_field(letters: dict[str, Path]) -> None:
    data = letters["wet"].read_bytes()
    assert signature_fields(data) == []
    text = subprocess.run(["pdftotext", str(letters["wet"]), "-"], capture_output=True, text=True, check=True).stdout
    assert "A. N. Example" in text and "Bora Kim" in text


def test_field_names_have_no_periods() -> None:
    assert field_name("A. N. Example") == "A N Example"
    assert field_name("  Human Rights  Watch ") == "Human Rights Watch"


# -- signing, co-signing, verifying ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "font"), [("Approved", "NotoSans-Regular"), ("공동 서한 서명", "NotoSansCJKkr"), ("共同署名", "NotoSansCJKsc")]
)
def test_visible_signature_has_a_font_for_its_text(pki: Pki, letter: Path, tmp_path: Path, reason: str, font: str) -> None:
    """The stamp's text (signer, reason, place) in Korean, Japanese or Chinese is set in Noto Sans CJK."""
    out = tmp_path / "signed.pdf"
    code, _stdout, stderr = sign_a(pki, letter, out, "--reason", reason)
    assert code == 0, stderr
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    stamp = [line for line in fonts.splitlines() if "Noto-Serif" not in line][2:]  # the letter's own fonts are Noto Serif
    assert len(stamp) == 1 and font in stamp[0] and " yes yes " in stamp[0], fonts
    code, report, _ = verify(out, "--trust", pki.ca_pem)
    assert code == 0 and report["ok"]


def test_sign_b_b_fills_the_first_empty_field(pki: Pki, letter: Path, tmp_path: Path) -> None:
    out = tmp_path / "signed.pdf"
    code, stdout, stderr = sign_a(pki, letter, out, "--reason", "Approved")
    assert code == 0, stderr
    assert "signed by Alice Example in field 'A N Example' (PAdES B-B)" in stdout
    assert [(f.name, f.signed) for f in signature_fields(out.read_bytes())] == [(SIGNERS[0], True), (SIGNERS[1], False)]
    code, report, _ = verify(out, "--trust", pki.ca_pem)
    assert code == 0 and report["ok"]
    (sig,) = report["signatures"]
    assert (sig["field"], sig["signer"], sig["intact"], sig["trusted"], sig["covers"], sig["timestamp"]) == (
        SIGNERS[0],
        "Alice Example",
        True,
        True,
        "the whole file",
        None,
    )
    assert sig["signed_at"].startswith("20")
    checked = pdfsig(pki, out)
    assert "Signature is Valid" in checked and "Certificate is Trusted" in checked and "Total document signed" in checked
    assert "ETSI.CAdES.detached" in checked  # PAdES


def test_cosigning_keeps_every_signature_valid(pki: Pki, cosigned: Path) -> None:
    code, report, _ = verify(cosigned, "--trust", pki.ca_pem)
    assert code == 0, report
    first, second = report["signatures"]
    assert (first["field"], first["signer"], second["field"], second["signer"]) == (SIGNERS[0], "Alice Example", SIGNERS[1], "Bora Kim")
    assert first["intact"] and first["trusted"] and first["covers"].startswith("revision 2 of 3")  # rendered with its fields, A, B
    assert first["changes_after"].startswith("later signatures or form filling")
    assert second["covers"] == "the whole file" and second["changes_after"] == "none"
    assert second["timestamp"] and second["timestamp_ok"], "B-T: a trusted timestamp from the TSA"
    assert first["timestamp"] is None
    checked = pdfsig(pki, cosigned)
    assert checked.count("Signature is Valid") == 2 and checked.count("Certificate is Trusted") == 2, checked
    code, stdout, _ = _invoke("verify", cosigned, "--trust", pki.ca_pem)
    assert "result: every signature holds up" in stdout and "signer:        Bora Kim" in stdout


def test_verify_without_a_trusted_ca_says_no(cosigned: Path) -> None:
    """No --trust: nobody can be trusted, so the answer is no (exit 7), with the way out."""
    code, report, stderr = verify(cosigned)
    assert code == 7 and not report["ok"] and report["reason"] == "trust-not-established"
    assert report["trust_checked"] is False
    for sig in report["signatures"]:
        assert sig["intact"] and sig["trusted"] is False and sig["reason"] == "trust-not-established"
        assert sig["problems"] == [{"code": "trust-not-established", "message": "no trusted CA was given, so the signer cannot be trusted"}]
    assert "--trust CA.pem" in stderr and "--integrity-only" in stderr


def test_integrity_only_says_that_trust_was_not_checked(cosigned: Path) -> None:
    code, report, _ = verify(cosigned, "--integrity-only")
    assert code == 0 and report["ok"] and report["reason"] == "ok"
    assert report["trust_checked"] is False and report["integrity_only"] is True
    assert all(s["trusted"] is None and s["intact"] and s["trust_detail"] == "not checked (--integrity-only)" for s in report["signatures"])
    code, stdout, _ = _invoke("verify", cosigned, "--integrity-only")
    assert code == 0 and "result: every signature holds up (integrity only: the signers were NOT checked against trusted CAs)" in stdout


def test_trusted_cas_from_the_environment(pki: Pki, cosigned: Path) -> None:
    code, stdout, stderr = _invoke("verify", cosigned, env={"ADVOCATE_TRUST": f"{pki.other_ca_pem}{os.pathsep}{pki.ca_pem}"})
    assert code == 0 and stdout.count("trust:         trusted") == 2, stderr
    code, _, stderr = _invoke("verify", cosigned, "--trust", pki.ca_pem, "--integrity-only")
    assert code == 6 and stderr.startswith("error: --integrity-only: --trust and --integrity-only exclude each other")


def test_verify_with_another_ca_is_not_trusted(pki: Pki, cosigned: Path) -> None:
    code, report, stderr = verify(cosigned, "--trust", pki.other_ca_pem)
    assert code == 7 and not report["ok"] and report["reason"] == "untrusted"
    assert all(s["trusted"] is False for s in report["signatures"])
    assert report["signatures"][0]["problems"][0]["message"] == (
        "the signer's certificate does not chain to a trusted CA (issued by Advocate Test Root CA)"
    )
    assert "do not hold up: 'A N Example' (untrusted), 'Bora Kim' (untrusted)" in stderr


def _sign_as(p12: Path, letter: Path, out: Path, when: dt.datetime | None = None) -> Path:
    """Sign through the library, so that a certificate the CLI refuses (expired) can sign too."""
    creds = load_credentials(p12, None, [], lambda: PASS_A, now=when)
    out.write_bytes(sign_pdf(letter.read_bytes(), creds, SignRequest()).pdf)
    return out


@pytest.mark.parametrize(
    ("signer", "reason", "message"),
    [
        ("self_signed_p12", "untrusted", "the signer's certificate is self-signed (anyone can make one) and is not a trusted certificate"),
        (
            "rogue_p12",
            "untrusted",
            "the signer's certificate does not chain to a trusted CA "
            "(issued by Advocate Test Root CA, a name a trusted CA has, but not its key: an impostor)",
        ),
        ("expired_p12", "expired", "the signer's certificate had already expired when the document was signed (expired "),
    ],
)
def test_signers_that_cannot_be_trusted(pki: Pki, letter: Path, tmp_path: Path, signer: str, reason: str, message: str) -> None:
    """Each is refused with its own reason; without --trust too (it used to exit 0)."""
    when = NOW - dt.timedelta(days=10) if signer == "expired_p12" else None  # the CLI refuses an expired certificate
    signed = _sign_as(getattr(pki, signer), letter, tmp_path / "signed.pdf", when)
    code, report, stderr = verify(signed, "--trust", pki.ca_pem)
    (sig,) = report["signatures"]
    assert code == 7 and sig["intact"] and sig["trusted"] is False and sig["reason"] == reason, report
    assert sig["problems"][0]["message"].startswith(message)
    code, stdout, _ = _invoke("verify", signed, "--trust", pki.ca_pem)
    assert f"NOT trusted: {message}" in stdout and f"[{reason}]" in stdout and code == 7
    assert "no poe" not in stdout.lower() and "out of bounds" not in stdout.lower()
    assert verify(signed)[0] == 7 and verify(signed)[1]["reason"] == "trust-not-established"
    assert verify(signed, "--integrity-only")[0] == 0


def test_no_traceback_from_pyhanko_logging(pki: Pki, letter: Path, tmp_path: Path) -> None:
    """pyHanko logs a failed chain with a traceback; a real process must not print it."""
    signed = _sign_as(pki.self_signed_p12, letter, tmp_path / "signed.pdf")
    advocate = Path(sys.executable).parent / "advocate"
    result = subprocess.run([advocate, "verify", signed, "--trust", pki.ca_pem], capture_output=True, text=True)
    assert result.returncode == 7 and "Traceback" not in result.stderr, result.stderr
    assert [line for line in result.stderr.splitlines() if not line.startswith("  hint:")] == [
        f"error: 1 of 1 signature(s) in {signed} do not hold up: 'A N Example' (untrusted)"
    ]


def test_byte_flipped_in_the_body_is_reported(pki: Pki, cosigned: Path, tmp_path: Path) -> None:
    data = bytearray(cosigned.read_bytes())
    at = data.index(b"/Creator (advocate)") + len(b"/Creator (advocat")
    data[at] = ord("f")  # one byte, inside the range both signatures cover
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    code, report, stderr = verify(tampered, "--trust", pki.ca_pem)
    assert code == 7 and not report["ok"] and report["reason"] == "content-modified"
    for sig in report["signatures"]:
        assert not sig["intact"] and sig["reason"] == "content-modified"
        assert [p["code"] for p in sig["problems"]] == ["content-modified"], "a broken signature is not also untrusted or changed"
        assert sig["problems"][0]["message"] == "the signed content was modified after signing (its digest does not match the signature)"
    code, stdout, _ = _invoke("verify", tampered, "--trust", pki.ca_pem)
    assert "BROKEN" in stdout and code == 7 and "trusted CA" not in stdout
    checked = pdfsig(pki, tampered)
    assert "Signature is Valid" not in checked and "Digest Mismatch" in checked, checked


def _appended(pdf: Path, out: Path, change: Callable[..., None]) -> Path:
    """`pdf` with an incremental update made by `change(writer)` (no signature)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf.read_bytes()))
    change(writer)
    data = io.BytesIO()
    writer.write(data)
    out.write_bytes(data.getvalue())
    return out


def _add_text(writer) -> None:  # type: ignore[no-untyped-def]
    from pyhanko.pdf_utils import generic

    font = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Font"),
            generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
            generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica"),
        }
    )
    resources = generic.DictionaryObject({generic.NameObject("/Font"): generic.DictionaryObject({generic.NameObject("/FX"): font})})
    stream = writer.add_object(generic.StreamObject(stream_data=b"BT /FX 18 Tf 72 420 Td (We withdraw this letter.) Tj ET"))
    writer.add_stream_to_page(0, stream, resources=resources)


def test_appended_update_that_changes_text_is_reported(pki: Pki, cosigned: Path, tmp_path: Path) -> None:
    tampered = _appended(cosigned, tmp_path / "updated.pdf", _add_text)
    assert "We withdraw this letter." in subprocess.run(["pdftotext", str(tampered), "-"], capture_output=True, text=True).stdout
    code, report, _ = verify(tampered, "--trust", pki.ca_pem)
    assert code == 7 and report["reason"] == "changed-after-signing"
    for sig in report["signatures"]:
        assert sig["intact"], "the signed revisions are untouched..."
        assert not sig["changes_ok"] and "NOT allowed" in sig["changes_after"], "...but the text was changed after signing"
        assert sig["problems"][0]["code"] == "changed-after-signing" and sig["trusted"]
        assert "There are unexplained xrefs in revision 4: " in sig["problems"][0]["message"] and "page 1" in sig["problems"][0]["message"]
    checked = pdfsig(pki, tampered)
    assert "Total document signed" not in checked  # pdfsig sees the unsigned update too


def _set_title(writer) -> None:  # type: ignore[no-untyped-def]
    from pyhanko.pdf_utils import generic

    info_ref = writer.trailer.raw_get("/Info")
    info = info_ref.get_object()
    info[generic.NameObject("/Title")] = generic.TextStringObject("We withdraw this letter")
    writer.mark_update(info_ref)


XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">We withdraw this letter</rdf:li></rdf:Alt></dc:title>
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>"""


def _add_xmp_title(writer) -> None:  # type: ignore[no-untyped-def]
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.metadata.xmp_xml import MetadataStream, parse_xmp

    stream = MetadataStream.from_xmp(parse_xmp(io.BytesIO(XMP.encode())))  # pyHanko's writer keeps its title
    writer.root[generic.NameObject("/Metadata")] = writer.add_object(stream)
    writer.update_root()


@pytest.mark.parametrize(
    ("change", "what"),
    [(_set_title, "/Info /Title now 'We withdraw this letter'"), (_add_xmp_title, "XMP title added 'We withdraw this letter'")],
)
def test_document_information_changed_after_signing_is_reported(
    pki: Pki, cosigned: Path, tmp_path: Path, change: Callable[..., None], what: str
) -> None:
    """pyHanko's difference analysis lets any /Info or well-formed XMP update pass as
    'validation data'; the title a reader shows must not change under a signature."""
    tampered = _appended(cosigned, tmp_path / "retitled.pdf", change)
    code, report, stderr = verify(tampered, "--trust", pki.ca_pem)
    assert code == 7 and report["reason"] == "metadata-changed"
    for sig in report["signatures"]:
        assert sig["intact"] and sig["trusted"] and not sig["changes_ok"]
        assert sig["problems"] == [{"code": "metadata-changed", "message": f"the document information was changed after signing: {what}"}]
        assert sig["changes_after"].endswith(f"document information: {what} (NOT allowed)")
    assert "(metadata-changed)" in stderr


def _damaged(signed: Path, out: Path, damage: Callable[[bytearray, re.Match[bytes]], None]) -> Path:
    data = bytearray(signed.read_bytes())
    match = re.search(rb"/Contents <([0-9a-fA-F]+)>\s*/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]", bytes(data))
    assert match
    damage(data, match)
    out.write_bytes(bytes(data))
    return out


def _not_hex(data: bytearray, match: re.Match[bytes]) -> None:
    data[match.start(1) + 10] = ord("z")


def _truncated(data: bytearray, match: re.Match[bytes]) -> None:
    data[match.start(1) + 200 : match.end(1)] = b"0" * (match.end(1) - match.start(1) - 200)


def _moved_range(data: bytearray, match: re.Match[bytes]) -> None:
    value = match.group(3)
    data[match.start(3) : match.end(3)] = str(int(value) - 10).rjust(len(value), "0").encode()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_not_hex, "/Contents is not a hexadecimal string"),
        (_truncated, "/Contents does not hold a complete CMS signature (truncated or damaged: "),
        (_moved_range, "/ByteRange [0 "),
    ],
)
def test_malformed_signature_is_one_line(
    pki: Pki, letter: Path, tmp_path: Path, damage: Callable[[bytearray, re.Match[bytes]], None], message: str
) -> None:
    signed = tmp_path / "signed.pdf"
    assert sign_a(pki, letter, signed)[0] == 0
    broken = _damaged(signed, tmp_path / "broken.pdf", damage)
    code, stdout, stderr = _invoke("verify", broken, "--trust", pki.ca_pem)
    assert code == 7 and stdout == "" and "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"error: {broken}: signature field 'A N Example': {message}"), stderr
    assert lines[1].startswith("  hint: the signature is damaged")
    code, report, _ = verify(broken, "--trust", pki.ca_pem)
    assert code == 7 and report["ok"] is False and report["reason"] == "malformed-signature" and message in report["error"]


def test_no_output_file_when_field_is_already_signed(pki: Pki, cosigned: Path, tmp_path: Path) -> None:
    out = tmp_path / "again.pdf"
    code, _, stderr = sign_a(pki, cosigned, out, "--field", "A. N. Example")
    assert code == 6 and not out.exists()
    assert stderr.startswith("error: --field: signature field 'A N Example'") and "is already signed" in stderr
    code, _, stderr = sign_a(pki, cosigned, out)
    assert code == 6 and "every signature field" in stderr and not out.exists()


def test_field_option_picks_a_field_and_signing_a_pdf_without_boxes(
    pki: Pki, letter: Path, letters: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "b-first.pdf"
    assert sign_b(pki, letter, out, "--field", "Bora Kim")[0] == 0
    assert [(f.name, f.signed) for f in signature_fields(out.read_bytes())] == [(SIGNERS[0], False), (SIGNERS[1], True)]
    wet = tmp_path / "wet-signed.pdf"
    code, stdout, stderr = sign_a(pki, letters["wet"], wet)
    assert code == 0 and "new invisible field 'Signature 1'" in stdout, stderr
    assert verify(wet, "--trust", pki.ca_pem)[0] == 0
    assert "Signature is Valid" in pdfsig(pki, wet) and "Signature is Valid" in pdfsig(pki, out)


# -- bad input: one line, non-zero exit, no output ---------------------------------------------------------


def _bad(code: int, stderr: str, out: Path, expected: str) -> None:
    assert code == 6, stderr
    assert not out.exists(), "no output file on error"
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and expected in lines[0], stderr
    assert "Traceback" not in stderr


def test_wrong_passphrases(pki: Pki, letter: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    code, _, stderr = _invoke("sign", letter, "--key", pki.a_p12, "--out", out, env={"ADVOCATE_KEY_PASSPHRASE": "nope"})
    _bad(code, stderr, out, f"wrong passphrase for {pki.a_p12}")
    code, _, stderr = _invoke(
        "sign", letter, "--key", pki.b_key, "--cert", pki.b_cert, "--out", out, env={"ADVOCATE_KEY_PASSPHRASE": "nope"}
    )
    _bad(code, stderr, out, f"wrong passphrase for {pki.b_key}")


def test_passphrase_from_the_prompt(pki: Pki, letter: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    code, _, stderr = _invoke(
        "sign", letter, "--key", pki.b_key, "--cert", pki.b_cert, "--out", out, input=PASS_B + "\n", env={"ADVOCATE_KEY_PASSPHRASE": None}
    )
    assert code == 0, stderr
    assert "Key passphrase" in stderr and PASS_B not in stderr
    code, _, stderr = _invoke(
        "sign",
        letter,
        "--key",
        pki.b_key,
        "--cert",
        pki.b_cert,
        "--out",
        tmp_path / "y.pdf",
        input="",
        env={"ADVOCATE_KEY_PASSPHRASE": None},
    )
    _bad(code, stderr, tmp_path / "y.pdf", "no passphrase was given")


def test_no_passphrase_option_on_the_command_line(pki: Pki, letter: Path, tmp_path: Path) -> None:
    code, _, stderr = _invoke("sign", letter, "--key", pki.a_p12, "--passphrase", PASS_A)
    assert code == 2 and "No such option" in stderr


def test_expired_certificate(pki: Pki, letter: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    code, _, stderr = _invoke("sign", letter, "--key", pki.expired_p12, "--out", out, env={"ADVOCATE_KEY_PASSPHRASE": PASS_A})
    _bad(code, stderr, out, "the certificate of Olga Expired expired on")


def test_key_that_does_not_match_the_certificate(pki: Pki, letter: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    code, _, stderr = _invoke(
        "sign", letter, "--key", pki.b_key, "--cert", pki.ca_pem, "--out", out, env={"ADVOCATE_KEY_PASSPHRASE": PASS_B}
    )
    _bad(code, stderr, out, "does not match the certificate of Advocate Test Root CA")


def test_not_a_pdf(pki: Pki, tmp_path: Path) -> None:
    fake = tmp_path / "letter.pdf"
    fake.write_text("Dear Sir,\n", encoding="utf-8")
    out = tmp_path / "x.pdf"
    code, _, stderr = sign_a(pki, fake, out)
    _bad(code, stderr, out, "is not a PDF")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n garbage without objects\n")
    code, _, stderr = sign_a(pki, broken, out)
    _bad(code, stderr, out, "is not a readable PDF")
    code, _, stderr = _invoke("verify", fake)
    assert code == 6 and "is not a PDF" in stderr


def test_unknown_field(pki: Pki, letter: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    code, _, stderr = sign_a(pki, letter, out, "--field", "Nobody")
    _bad(code, stderr, out, "has no signature field 'Nobody'")
    assert "its signature fields: 'A N Example', 'Bora Kim'" in stderr


def test_timestamp_server_failure(pki: Pki, letter: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    with LocalTSA(pki, fail=True) as tsa:
        code, _, stderr = sign_a(pki, letter, out, "--timestamp-url", tsa.url)
    _bad(code, stderr, out, f"the timestamp server {tsa.url} did not answer")


def test_verify_an_unsigned_letter(letter: Path) -> None:
    code, report, stderr = verify(letter)
    assert code == 7 and report["signatures"] == [] and report["reason"] == "no-signatures" and "has no signatures" in stderr


def test_help_texts() -> None:
    for command, words in (
        ("sign", ["--timestamp-url", "--passphrase-file", "--field"]),
        ("verify", ["--trust", "--json", "--integrity-only", "ADVOCATE_TRUST"]),
        ("render", ["--wet-ink"]),
    ):
        code, stdout, _ = _invoke(command, "--help")
        assert code == 0 and all(w in stdout for w in words)
