"""`make bench`: petition renders with 1,000, 10,000, 100,000 and 300,000 signatories, and Typst.

The signatory lists are generated here (fictional names in Latin, Hangul, Chinese, Japanese,
Cyrillic and Arabic scripts, about 40 countries, 1 in 10 not public; fixed seed), never stored in
the repository. Each size is rendered by a fresh `advocate render` process; its wall time and the
peak memory of its whole process tree (the worker pool included: bench/measure.py) are printed.
Where Typst can be had (bench/typst_side.py), the same letter and annex are compiled by a fresh
Typst process, measured the same way, and the ratio printed. Up to 10,000 names the annex is also
rendered the old way, laid out by WeasyPrint (ADVOCATE_ANNEX=weasyprint), right after the drawn one,
and both are given per 1,000 names. Usage: python bench/signatories.py [SIZE ...] (default 1000
10000 100000 300000; BENCH_SIZES="1000 10000" also sets them).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import sys
import tempfile
from pathlib import Path

import typst_side
from measure import Measured, measured

SIZES = (1000, 10_000, 100_000, 300_000)
DATE = dt.date(2026, 11, 23)
GIVEN = {
    "latin": ["Anna", "José", "Élodie", "Lukas", "Fatima", "Chiara", "Mateo", "Sofía", "Liam", "Zoë", "Noah", "Aïcha", "Björn", "Ewa"],
    "hangul": ["민준", "서연", "지훈", "수아", "예준", "하은", "도현", "지우"],
    "han": ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳"],
    "kana": ["さくら", "花子", "一郎", "美咲", "健太", "由美"],
    "cyrillic": ["Иван", "Мария", "Алексей", "Ольга", "Дмитрий"],
    "arabic": ["محمد", "فاطمة", "أحمد", "ليلى", "يوسف"],
}
FAMILY = {
    "latin": ["Example", "Muster", "Exemple", "Ejemplo", "Esempio", "Sample", "Voorbeeld", "Przykład", "Örnek", "Beispiel"],
    "hangul": ["김", "이", "박", "최", "정", "강", "윤", "임"],
    "han": ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"],
    "kana": ["佐藤", "鈴木", "高橋", "田中", "渡辺", "山本"],
    "cyrillic": ["Иванов", "Петрова", "Смирнов", "Кузнецова"],
    "arabic": ["الأحمد", "الحسن", "يوسف", "العلي"],
}
COUNTRIES = {
    "latin": ["FR", "DE", "ES", "IT", "GB", "US", "CA", "AU", "BR", "MX", "AR", "NL", "BE", "CH", "SE", "PL", "PT", "IE", "NZ", "CL"],
    "hangul": ["KR", "KR", "US"],
    "han": ["CN", "TW", "SG", "HK"],
    "kana": ["JP"],
    "cyrillic": ["RU", "UA", "KZ"],
    "arabic": ["EG", "JO", "MA", "LB"],
}
WEIGHTS = {"latin": 55, "hangul": 15, "han": 10, "kana": 8, "cyrillic": 7, "arabic": 5}


def make_csv(path: Path, size: int, seed: int = 2023) -> None:
    rng = random.Random(seed)
    scripts = list(WEIGHTS)
    weights = list(WEIGHTS.values())
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "organisation", "country", "city", "email", "public"])
        for i in range(size):
            script = rng.choices(scripts, weights)[0]
            given, family = rng.choice(GIVEN[script]), rng.choice(FAMILY[script])
            name = f"{family}{given}" if script in ("hangul", "han", "kana") else f"{given} {family}"
            name += f" {i}"  # distinct people: the bench measures rendering, not de-duplication
            public = "no" if rng.random() < 0.1 else "yes"
            w.writerow([name, "", rng.choice(COUNTRIES[script]), "", f"p{i}@example.org", public])


WEASYPRINT_UP_TO = 10_000  # larger annexes take minutes the old way


def advocate(csv_path: Path, out: Path, annex: str = "draw") -> Measured:
    """`advocate render petition --to cn-president --signatories CSV` in a new process; `annex`:
    ADVOCATE_ANNEX (draw: the annex drawn directly; weasyprint: laid out by WeasyPrint)."""
    exe = Path(sys.executable).with_name("advocate")
    cmd = [str(exe), "render", "petition", "--to", "cn-president", "--signatories", str(csv_path), "--date", DATE.isoformat()]
    return measured([*cmd, "--out", str(out)], env={**os.environ, "ADVOCATE_ANNEX": annex})


def typst_source(csv_path: Path) -> str:
    """The same petition as a Typst document: the letter's text, then the annex with advocate's
    groups (country names, collation, headings) and the template's own English texts."""
    from generator.compose.build import compose_html
    from generator.core.letter import LetterRequest
    from generator.core.workspace import open_workspace
    from generator.load.countries import country_name
    from generator.load.loaded import load
    from generator.petition.layout import groups_of
    from generator.petition.signatories import load_signatories

    loaded = load(open_workspace())
    signatories, _problems = load_signatories(csv_path, loaded.library)
    public = [s for s in signatories if s.public]
    letter = compose_html(
        loaded, LetterRequest(letter="petition", addressee="cn-president", lang="en", variables={}, date=DATE, signatories=signatories)
    )
    groups = groups_of(
        public, "en", lambda code: country_name(code, "en", loaded.library), lambda label, n: f"{label} ({n:,})", "Country not given"
    )
    intro = f"{len(public):,} public signatories, by country; a further {len(signatories) - len(public):,} asked not to be named."
    annex = typst_side.annex_typ(groups, "en", "Annex: signatories", intro, "Annex: signatories, page %(page)s of %(pages)s")
    return typst_side.letter_typ(letter.html, "en") + "\n" + annex


def typst(python: Path, source: str, folder: Path) -> Measured:
    path = folder / "petition.typ"
    path.write_text(source, encoding="utf-8")
    return measured([str(python), str(typst_side.WORKER), "once", str(path), str(folder / "petition-typst.pdf")])


def pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:] or os.environ.get("BENCH_SIZES", "").split()] or list(SIZES)
    print("\npetition to cn-president, a new process per size (peak: the whole process tree):")
    python = typst_side.typst_python()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for size in sizes:
            csv_path = folder / f"signatories-{size}.csv"
            make_csv(csv_path, size)
            run = advocate(csv_path, folder / "petition.pdf")
            rows.append((size, run.seconds))
            count = pages(folder / "petition.pdf")
            line = f"  {size:>7,} names  advocate {run.seconds:6.1f} s  peak {run.tree_mib:5.0f} MiB  {count:4d} pages"
            if size <= WEASYPRINT_UP_TO:
                old = advocate(csv_path, folder / "petition-weasyprint.pdf", "weasyprint")
                per = 1000 / size
                line += f"  (WeasyPrint's layout {old.seconds:5.1f} s, peak {old.tree_mib:5.0f} MiB;"
                line += f" per 1,000 names {run.seconds * per:.2f} s drawn, {old.seconds * per:.2f} s WeasyPrint)"
            if python:
                other = typst(python, typst_source(csv_path), folder)
                line += f"  | Typst {other.seconds:5.1f} s  peak {other.tree_mib:5.0f} MiB  {pages(folder / 'petition-typst.pdf'):4d} pages"
                line += f"  | advocate/Typst {run.seconds / other.seconds:4.1f}x"
            print(line, flush=True)
    if len(rows) > 1:
        (n0, t0), (n1, t1) = rows[0], rows[-1]
        print(f"  growth: {n1 / n0:.0f}x the names took {t1 / t0:.1f}x the time (the letter's fixed cost included)")


if __name__ == "__main__":
    main()
