"""`advocate batch`: campaign validation, incremental re-runs, failures among many, the
manifest, local worker processes and a Dask cluster.

The campaigns use the `workspace` fixture (the `advocate init` example letter, against a snapshot
of the bundled library), so a test can change a letter's template and see what is rendered again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from _helpers import set_languages, set_template, write

from generator.campaign.batch import run_batch
from generator.campaign.campaign import CampaignInvalid, load_campaign
from generator.campaign.manifest import MANIFEST
from generator.campaign.progress import Progress
from generator.core.workspace import open_workspace
from generator.load.loaded import load

DATE = "2026-11-23"
GOOD = ["cn-mfa", "cn-president"]


def write_campaign(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _campaign(ws: Path, tmp_path: Path, addressees: list[str], languages: str = "[en]", extra: str = "") -> Path:
    return write_campaign(
        tmp_path / "campaign.yaml",
        f"name: test\nletters: [example]\naddressees: [{', '.join(addressees)}]\nlanguages: {languages}\n"
        f"date: {DATE}\nvariables: {{reference: HR/1}}\n{extra}",
    )


def _plan(ws: Path, campaign: Path):  # type: ignore[no-untyped-def]
    loaded = load(open_workspace(ws))
    return loaded, load_campaign(campaign, loaded)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- validation -----------------------------------------------------------------------------------


def test_every_problem_of_a_campaign_is_listed_with_its_line(workspace: Path, tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    campaign = write_campaign(
        tmp_path / "bad.yaml",
        "\n".join(
            [
                "letters:",  # 1
                "  - example",  # 2
                "  - exampel",  # 3: unknown letter
                "addressees: [cn-mfa, cn-mfb, kr-mou]",  # 4: unknown addressee; kr-mou is a ministry
                "languages: [en, xx]",  # 5: unknown language
                "variables: {reference: HR/1, urgency: high}",  # 6: unknown variable of the example
                "date: '2026-13-45'",  # 7: impossible date
                "output: '{letter}/{recipient}.pdf'",  # 8: unknown placeholder
                "colour: blue",  # 9: unknown key
                "strict: maybe",  # 10: not a boolean
            ]
        )
        + "\n",
    )
    code, out, err = run("--workspace", workspace, "batch", campaign, "--out", tmp_path / "out")
    assert code == 3, err
    expected = [
        (3, "unknown letter 'exampel'"),
        (4, "unknown addressee 'cn-mfb'"),
        (4, "is not addressed to a ministry (kr-mou)"),
        (5, "unknown language 'xx'"),
        (6, "unknown variable 'urgency'"),
        (7, "not a date"),
        (8, "unknown placeholder {recipient}"),
        (9, "unknown key 'colour'"),
        (10, "strict: expected true or false"),
    ]
    for line, message in expected:
        assert re.search(rf"^error: \S*bad\.yaml:{line}: .*{re.escape(message)}", err, re.M), (line, message, err)
    assert "hint: did you mean 'example'?" in err
    assert "nothing was rendered" in err
    assert not (tmp_path / "out").exists(), "nothing is written when the campaign has errors"


def test_a_malformed_campaign_file_names_its_line(workspace: Path, tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    campaign = write_campaign(tmp_path / "broken.yaml", "letters: [example\naddressees: all\n")
    code, _, err = run("--workspace", workspace, "batch", campaign)
    assert code == 3
    assert re.search(r"error: \S*broken\.yaml:\d+: malformed YAML", err), err


def test_outputs_that_would_overwrite_each_other_are_refused(workspace: Path, tmp_path: Path) -> None:
    set_languages(workspace, "[en, fr]")
    campaign = _campaign(workspace, tmp_path, GOOD, languages="all", extra="output: '{addressee}.pdf'\n")
    with pytest.raises(CampaignInvalid) as caught:
        _plan(workspace, campaign)
    (problem,) = caught.value.problems
    assert "would both be written to 'cn-mfa.pdf'" in problem.message and problem.where.line == 7


def test_filters_and_languages_select_the_letters(workspace: Path, tmp_path: Path) -> None:
    set_languages(workspace, "[en, fr]")
    campaign = write_campaign(
        tmp_path / "c.yaml",
        f"letters: [example]\naddressees: {{state: CN}}\nlanguages: all\ndate: {DATE}\noutput: '{{lang}}/{{addressee}}.{{format}}'\n",
    )
    _, plan = _plan(workspace, campaign)
    assert sorted(j.output for j in plan.jobs) == ["en/cn-mfa.pdf", "en/cn-president.pdf", "fr/cn-mfa.pdf", "fr/cn-president.pdf"]
    text = f"letters: [example]\naddressees: {{kind: foreign_ministry, exclude: [kp-mfa]}}\ndate: {DATE}\n"
    preferred = write_campaign(tmp_path / "p.yaml", text)
    _, plan = _plan(workspace, preferred)
    langs = {j.request.addressee: j.request.lang for j in plan.jobs}
    assert "kp-mfa" not in langs and "kr-mou" not in langs  # excluded; a ministry, which the example does not accept
    assert langs["cn-mfa"] == "en", "cn-mfa prefers zh, which the example lacks: its next accepted language"


def test_confidential_outputs_never_have_a_public_name(workspace: Path, tmp_path: Path) -> None:
    cases = [("", "example-cn-mfa-en-confidential.pdf"), ("output: '{lang}/{addressee}.{format}'\n", "en/cn-mfa-confidential.pdf")]
    for pattern, expected in cases:
        campaign = _campaign(workspace, tmp_path, ["cn-mfa"], extra=f"confidential: true\n{pattern}")
        _, plan = _plan(workspace, campaign)
        assert [j.output for j in plan.jobs] == [expected]
    _, plan = _plan(workspace, _campaign(workspace, tmp_path, ["cn-mfa"]))
    assert [j.output for j in plan.jobs] == ["example-cn-mfa-en.pdf"]


# -- running --------------------------------------------------------------------------------------


def test_rerun_renders_only_what_changed(workspace: Path, tmp_path: Path) -> None:
    campaign = _campaign(workspace, tmp_path, GOOD)
    out = tmp_path / "out"
    loaded, plan = _plan(workspace, campaign)
    first = run_batch(plan, loaded, out, workers=1)
    assert (len(first.rendered), len(first.skipped), first.failed) == (2, 0, [])
    files = {p.name: (p.stat().st_mtime_ns, _sha(p)) for p in out.glob("*.pdf")}
    assert sorted(files) == ["example-cn-mfa-en.pdf", "example-cn-president-en.pdf"]

    second = run_batch(plan, loaded, out, workers=1)
    assert (len(second.rendered), len(second.skipped)) == (0, 2)
    assert {p.name: (p.stat().st_mtime_ns, _sha(p)) for p in out.glob("*.pdf")} == files, "skipped files are not touched"

    (out / "example-cn-mfa-en.pdf").write_bytes(b"edited by hand")  # an output changed on disk: rendered again
    third = run_batch(plan, loaded, out, workers=1)
    assert [j.output for j in third.rendered] == ["example-cn-mfa-en.pdf"] and _sha(out / "example-cn-mfa-en.pdf") == files[
        "example-cn-mfa-en.pdf"
    ][1]

    template = workspace / "letters" / "example" / "letter.html.j2"  # an input changed: every letter using it
    template.write_text(template.read_text(encoding="utf-8").replace("</p>", " Changed.</p>", 1), encoding="utf-8")
    loaded, plan = _plan(workspace, campaign)
    fourth = run_batch(plan, loaded, out, workers=1)
    assert (len(fourth.rendered), len(fourth.skipped)) == (2, 0)

    campaign.write_text(campaign.read_text(encoding="utf-8").replace("HR/1", "HR/2"), encoding="utf-8")  # a variable
    loaded, plan = _plan(workspace, campaign)
    fifth = run_batch(plan, loaded, out, workers=1)
    assert len(fifth.rendered) == 2


def _broken_letter(ws: Path) -> None:
    """A second letter, `broken`, whose template cites a key the library does not have."""
    import shutil

    shutil.copytree(ws / "letters" / "example", ws / "letters" / "broken")
    template = ws / "letters" / "broken" / "letter.html.j2"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("{% endblock %}\n", '<p>{{ cite("no-such-key") }}</p>\n{% endblock %}\n'), encoding="utf-8")


def test_one_failing_letter_does_not_stop_the_others(workspace: Path, tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    spec = workspace / "letters" / "example" / "letter.yaml"  # China's obligations, to any government (us-state too)
    text = re.sub(r"respondent_states: .*\n", "", spec.read_text(encoding="utf-8"))
    spec.write_text(text.replace("respondent: addressee", "respondent: CN"), encoding="utf-8")
    _broken_letter(workspace)
    campaign = write_campaign(
        tmp_path / "campaign.yaml",
        f"letters: [example, broken]\naddressees: [cn-mfa, cn-president, us-state]\ndate: {DATE}\nlanguages: [en]\n",
    )
    out = tmp_path / "out"
    code, stdout, err = run("--workspace", workspace, "batch", campaign, "--out", out, "--workers", "2")
    assert code == 5, (stdout, err)
    good = sorted(f"example-{a}-en.pdf" for a in ("cn-mfa", "cn-president", "us-state"))
    assert sorted(p.name for p in out.glob("*.pdf")) == good, stdout
    assert re.search(r"^\s+rendered\s+3$", stdout, re.M) and re.search(r"^\s+failed\s+3$", stdout, re.M), stdout
    assert "broken-us-state-en.pdf: broken to us-state (en)" in stdout
    assert re.search(r"error: \S*broken/letter\.html\.j2:\d+: unknown citation key 'no-such-key'", stdout), stdout
    assert "on 2 worker process(es)" in stdout
    assert re.search(r"\d+/6 letters", err), "the progress line"

    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    entries = manifest["outputs"]
    assert sorted(entries) == sorted([*good, *(g.replace("example", "broken") for g in good)])
    failed = entries["broken-cn-mfa-en.pdf"]
    assert failed["status"] == "failed" and "no-such-key" in failed["error"] and "sha256" not in failed
    code, stdout, _ = run("--workspace", workspace, "batch", campaign, "--out", out)
    assert code == 5 and re.search(r"up to date \(skipped\)\s+3$", stdout, re.M), "failed letters are tried again, the others skipped"


def test_the_manifest_records_inputs_and_sha256(workspace: Path, tmp_path: Path) -> None:
    campaign = _campaign(workspace, tmp_path, GOOD[:1])
    loaded, plan = _plan(workspace, campaign)
    report = run_batch(plan, loaded, tmp_path / "out", workers=1)
    manifest = json.loads(report.manifest.read_text(encoding="utf-8"))
    assert manifest["version"] == 1 and manifest["campaign"] == "test"
    assert manifest["campaign_sha256"] == _sha(campaign)
    entry = manifest["outputs"]["example-cn-mfa-en.pdf"]
    pdf = tmp_path / "out" / "example-cn-mfa-en.pdf"
    assert entry["status"] == "rendered" and entry["sha256"] == _sha(pdf) and entry["bytes"] == pdf.stat().st_size
    assert (entry["letter"], entry["addressee"], entry["lang"], entry["date"]) == ("example", "cn-mfa", "en", DATE)
    assert entry["variables"] == {"reference": "HR/1"} and entry["footnotes"] > 0
    assert set(entry["inputs"]) == {"request", "letter", "layout", "addressees", "library", "locale", "config", "code"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", v) for v in entry["inputs"].values())
    from pypdf import PdfReader

    assert "HR/1" in "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages)


def test_progress_prints_count_rate_and_time_left() -> None:
    stream = io.StringIO()
    bar = Progress(20, stream, tty=False)
    for n in range(20):
        bar("failed" if n == 3 else "rendered")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10, "a log gets one line per tenth"
    assert re.match(r"\[#{24}\] 20/20 letters\s+[\d.]+/s\s+0:00 left  1 failed", lines[-1]), lines[-1]
    tty = io.StringIO()
    Progress(3, tty, tty=True)("rendered")
    assert tty.getvalue().startswith("\r[########") and "1/3 letters" in tty.getvalue()


# -- Dask -----------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore")  # distributed's own deprecation and resource warnings
def test_the_same_batch_runs_on_a_dask_cluster(workspace: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    _broken_letter(workspace)
    campaign = write_campaign(tmp_path / "campaign.yaml", f"letters: [example, broken]\naddressees: [{', '.join(GOOD)}]\ndate: {DATE}\n")
    loaded, plan = _plan(workspace, campaign)
    local = run_batch(plan, loaded, tmp_path / "local", workers=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
        report = run_batch(plan, loaded, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert report.workers.startswith("Dask scheduler tcp://127.0.0.1:")
    assert (
        sorted(j.output for j in report.rendered)
        == sorted(j.output for j in local.rendered)
        == [
            "example-cn-mfa-en.pdf",
            "example-cn-president-en.pdf",
        ]
    )
    assert sorted(f.job.output for f in report.failed) == ["broken-cn-mfa-en.pdf", "broken-cn-president-en.pdf"]
    assert "no-such-key" in report.failed[0].reason
    for name in ("example-cn-mfa-en.pdf", "example-cn-president-en.pdf"):
        assert _sha(tmp_path / "dask" / name) == _sha(tmp_path / "local" / name), "the cluster renders the same bytes"


def test_an_unreachable_scheduler_is_one_clear_error(workspace: Path, tmp_path: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("distributed")
    monkeypatch.setattr("generator.campaign.batch.DASK_CONNECT_TIMEOUT", "1s")
    campaign = _campaign(workspace, tmp_path, GOOD[:1])
    code, _, err = run("--workspace", workspace, "batch", campaign, "--out", tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9")
    assert code == 5, err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err and "Traceback" not in err


def test_batch_help_names_the_options(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("batch", "--help")
    assert code == 0
    for option in ("--workers", "--out", "--scheduler", "--check", "manifest.json"):
        assert option in out


def test_dates_default_to_today(workspace: Path, tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path / "c.yaml", "letters: example\naddressees: cn-mfa\n")
    _, plan = _plan(workspace, campaign)
    (job,) = plan.jobs
    assert job.request.date == dt.date.today() and job.output == "example-cn-mfa-en.pdf"


# -- `batch --check` finds what the real run would ----------------------------------------------------

REFUGEE_LETTER = """\
title: Refugee Convention
kind: government_letter
purpose: For the tests.
languages: [en]
addressee_kinds: [foreign_ministry]
respondent: addressee
respondent_states: [CN, JP]
examples:
  - to: cn-mfa
"""


def _refugee_campaign(workspace: Path, tmp_path: Path) -> Path:
    """A letter asserting the 1951 Convention against each addressee's State: Japan's status is unverified (U)."""
    write(workspace / "letters" / "refugee" / "letter.yaml", REFUGEE_LETTER)
    set_template(workspace, '<p>A party.{{ obligation("refugee_1951", "art 33(1)") }}</p>', letter="refugee")
    return write_campaign(tmp_path / "c.yaml", f"name: r\nletters: [refugee]\naddressees: [cn-mfa, jp-mofa]\ndate: {DATE}\n")


def test_batch_check_composes_every_letter_and_fails_as_the_run_would(workspace: Path, tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    campaign = _refugee_campaign(workspace, tmp_path)
    code, out, err = run("-w", workspace, "batch", campaign, "--check", "--out", tmp_path / "out")
    assert code == 4, out + err
    assert re.search(r"letters/refugee/letter\.html\.j2:4: the status of Japan under 1951 Refugee Convention is not verified", err), err
    assert err.count("is not verified") == 1, err
    assert re.search(r"^refugee-jp-mofa-en\.pdf  refugee to jp-mofa \(en\)  WOULD FAIL \(1 error\(s\)\)$", out, re.M), out
    assert re.search(r"^refugee-cn-mfa-en\.pdf  refugee to cn-mfa \(en\)$", out, re.M), out
    assert "2 letter(s), 1 would fail" in out and not (tmp_path / "out").exists()
    code, out, _err = run("-w", workspace, "batch", campaign, "--out", tmp_path / "out", "--workers", "1")
    assert code == 5 and re.search(r"failed\s+1", out) and "refugee-jp-mofa-en.pdf" in out, out


def test_batch_check_json(workspace: Path, tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    campaign = _refugee_campaign(workspace, tmp_path)
    code, out, err = run("-w", workspace, "batch", campaign, "--check", "--json")
    assert code == 4 and err == "", err
    doc = json.loads(out)
    assert doc["version"] == 1 and doc["campaign"] == "r" and doc["ok"] is False
    assert doc["letters"] == 2 and doc["failing"] == 1 and doc["counts"] == {"errors": 1, "warnings": 0}
    failing = [j for j in doc["jobs"] if not j["ok"]]
    assert [(j["output"], j["letter"], j["addressee"], j["lang"], j["format"]) for j in failing] == [
        ("refugee-jp-mofa-en.pdf", "refugee", "jp-mofa", "en", "pdf")
    ]
    (problem,) = failing[0]["problems"]
    assert problem["severity"] == "error" and problem["file"].endswith("letters/refugee/letter.html.j2") and problem["line"] == 4
    assert "Japan" in problem["message"] and problem["hint"] and problem["option"] is None
    assert doc["problems"] == [problem]


def test_batch_check_json_of_an_invalid_campaign(workspace: Path, tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    campaign = write_campaign(tmp_path / "c.yaml", "letters: [exampel]\naddressees: all\n")
    code, out, _err = run("-w", workspace, "batch", campaign, "--check", "--json")
    doc = json.loads(out)
    assert code == 3 and doc["ok"] is False and doc["problems"][0]["line"] == 1
    assert "unknown letter 'exampel'" in doc["problems"][0]["message"]


def test_batch_check_refuses_an_output_folder_it_cannot_write(workspace: Path, tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    campaign = _campaign(workspace, tmp_path, GOOD)
    blocker = write(tmp_path / "a-file", "not a folder\n")  # (a read-only folder too, but the tests may run as root)
    code, _out, err = run("-w", workspace, "batch", campaign, "--check", "--out", blocker / "x")
    assert code == 4 and f"error: --out: {blocker / 'x'}: cannot write into {blocker}" in err, err
