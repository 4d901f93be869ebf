"""The submission to UN Special Procedures (letters/un-special-procedures) to OHCHR's standard, and
`accepted_languages` in letter.yaml (issue 15 item 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATE = "2026-11-23"
LETTER = "un-special-procedures"


def render(run, out: Path, *args: str):  # type: ignore[no-untyped-def]
    """`advocate render un-special-procedures --to sr-dprk ... --format html --out OUT ARGS`."""
    return run("render", LETTER, "--to", "sr-dprk", "--date", DATE, "--format", "html", "--out", out, *args)


@pytest.mark.parametrize("lang", ["zh", "ko", "ar", "ru", "ja"])
def test_special_procedures_refuse_a_language_they_do_not_accept(run, tmp_path: Path, lang: str) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.html"
    code, stdout, stderr = render(run, out, "--lang", lang)
    assert code == 2, stderr
    assert not out.exists()
    assert "Traceback" not in stdout + stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    assert errors[0].startswith(
        f"error: --lang: letter 'un-special-procedures' is not accepted in '{lang}': its recipients accept only en, fr, es"
    )
    assert "letter.yaml:" in errors[0]  # names where accepted_languages is declared
    assert "hint: render it with --lang en (or fr, es)" in stderr


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_accepted_languages_render(run, tmp_path: Path, lang: str) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.html"
    code, _stdout, stderr = render(run, out, "--lang", lang)
    assert code == 0, stderr
    assert out.is_file()


def test_check_reports_an_example_in_a_refused_language_and_the_model_a_refused_version(run, workspace: Path) -> None:  # type: ignore[no-untyped-def]
    yaml_path = workspace / "letters" / "example" / "letter.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    yaml_path.write_text(text + "  - to: cn-mfa\n    lang: fr\naccepted_languages: [en]\n", encoding="utf-8")
    code, stdout, stderr = run("-w", workspace, "check")
    assert code != 0
    assert "example to 'cn-mfa' is in 'fr', which the recipients of letter 'example' do not accept" in stdout + stderr
    yaml_path.write_text(text.replace("languages: [en]", "languages: [en, fr]") + "accepted_languages: [en]\n", encoding="utf-8")
    code, stdout, stderr = run("-w", workspace, "check")
    assert code != 0
    assert "languages: fr not among accepted_languages (en): its recipients would refuse that version" in stdout + stderr
    assert "letter.yaml:" in stderr


def test_no_false_statement_about_knowing_the_victim(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.html"
    code, _stdout, stderr = render(run, out)
    assert code == 0, stderr
    html = out.read_text(encoding="utf-8")
    assert "is known to the submitting organisation" not in html
    assert "identities are known to the submitting organisation" not in html
    assert "knows from a public petition to a United Nations mechanism" in html  # the default: what is true of the bundled case
    assert "knows the name of the person concerned from that petition" in html
    assert "in contact with the family" not in html


def test_contact_with_the_family_is_said_only_when_chosen(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.html"
    code, _stdout, stderr = render(run, out, "--var", "victim_known_from=family_contact")
    assert code == 0, stderr
    html = out.read_text(encoding="utf-8")
    assert "The submitting organisation is in contact with the family of the person concerned" in html
    assert "public petition" not in html


def test_named_annex_refused_under_strict_when_consent_is_not_recorded(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.html"
    code, stdout, stderr = render(run, out, "--confidential", "--strict")
    assert code == 4, stderr
    assert not out.exists()
    assert "Traceback" not in stdout + stderr
    assert "error: letters/un-special-procedures/letter.html.j2:" in stderr
    assert "consent to name a victim of 'wgad-named-case-2023' is not recorded" in stderr
    code, _stdout, stderr = render(run, out, "--confidential")
    assert code == 0, stderr
    assert "warning: letters/un-special-procedures/letter.html.j2:" in stderr
    assert "consent to name a victim of 'wgad-named-case-2023' is not recorded" in stderr


def test_communications_already_sent_are_referenced(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.html"
    code, _stdout, stderr = render(run, out, "--var", "previous_communications=AL CHN 1/2024")
    assert code == 0, stderr
    html = out.read_text(encoding="utf-8")
    assert (
        "This submission follows the communications already sent by mandate holders on these returns, "
        "and the replies received: AL CHN 1/2024." in html
    )
    code, _stdout, stderr = render(run, out)
    assert code == 0, stderr
    assert "has not verified the references of the communications" in out.read_text(encoding="utf-8")  # none invented


def test_subject_and_perpetrators_as_of_the_letter_date(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.html"
    code, _stdout, stderr = render(run, out)
    assert code == 0, stderr
    html = out.read_text(encoding="utf-8")
    assert "Republic of Korea in 2023" not in html and "(2023)" not in html
    assert "from China to the Democratic People’s Republic of Korea since 2023" in html
    assert "including in Jilin and Liaoning provinces" in html
    code, _stdout, stderr = render(run, out, "--var", "respondent_state=KP")
    assert code == 0, stderr
    html = out.read_text(encoding="utf-8")
    assert "the Ministry of State Security or the Ministry of People’s Security" in html
    assert "UN Doc" not in html.split("Ministry of State Security")[0][-20:]  # (the footnote follows the sentence)
    assert "report-women-detainees-face-serious-human-rights-violations" in html


def test_the_mandates_are_named_in_the_letter_s_language(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The subject names the mandates the sender gave, each in the catalogue's translation of that
    title; a mandate the catalogue does not know is printed as given, and is not 'untranslated'."""
    code, _stdout, stderr = render(run, tmp_path / "fr.html", "--lang", "fr")
    assert code == 0, stderr
    subject = (tmp_path / "fr.html").read_text(encoding="utf-8").split("<title>")[1].split("</title>")[0]
    assert "Groupe de travail sur les disparitions forcées ou involontaires" in subject
    assert "Working Group" not in subject and "untranslated" not in stderr
    code, _stdout, stderr = render(run, tmp_path / "own.html", "--lang", "es", "--var", "mandates=Independent Expert on Example Matters")
    assert code == 0 and "untranslated" not in stderr, stderr
    own = (tmp_path / "own.html").read_text(encoding="utf-8")
    assert "Independent Expert on Example Matters" in own.split("<title>")[1].split("</title>")[0]


def test_the_allegation_letter_already_sent_to_china_is_referenced_with_its_source(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The communication the library verifies (the allegation letter of 22 March 2024 to China, and
    China's silence when it was made public) is stated with a note to the report of it."""
    code, _stdout, stderr = render(run, tmp_path / "en.html", "--lang", "en")
    assert code == 0, stderr
    html = (tmp_path / "en.html").read_text(encoding="utf-8")
    assert "On 22 March 2024 five mandate holders" in html and "China had not replied" in html
    assert "One Month Before Resumption of Repatriation, UN Raises Issue" in html  # the note's source
