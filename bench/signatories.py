"""Petition renders with 1,000, 10,000 and 100,000 signatories: wall time and peak memory.

The signatory lists are generated here (fictional names in Latin, Hangul, Chinese, Japanese,
Cyrillic and Arabic scripts, about 40 countries, 1 in 10 not public; fixed seed), never stored in
the repository. Each size is rendered by a fresh `advocate render` process, measured with
getrusage of the children (peak resident memory of the largest process: the parent or one
worker). Usage: python bench/signatories.py [SIZE ...] (default 1000 10000 100000).
"""

from __future__ import annotations

import csv
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = (1000, 10_000, 100_000)
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


def run(size: int, workdir: Path) -> tuple[float, float, int]:
    csv_path = workdir / f"signatories-{size}.csv"
    make_csv(csv_path, size)
    out = workdir / f"petition-{size}.pdf"
    exe = Path(sys.executable).with_name("advocate")
    cmd = [
        str(exe),
        "render",
        "petition",
        "--to",
        "cn-president",
        "--signatories",
        str(csv_path),
        "--date",
        "2026-11-23",
        "--out",
        str(out),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    from pypdf import PdfReader

    return seconds, max(peak, before) / 1024, len(PdfReader(out).pages)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or list(SIZES)
    print("petition to cn-president, cold `advocate render` process per size:")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            seconds, mib, pages = run(size, Path(tmp))
            rows.append((size, seconds))
            print(f"  {size:>7,} signatories  {seconds:6.1f} s  peak {mib:6.0f} MiB  {pages:4d} pages  {seconds / size * 1e6:7.1f} µs/name")
    if len(rows) > 1:
        (n0, t0), (n1, t1) = rows[0], rows[-1]
        print(f"  growth: {n1 / n0:.0f}x the names took {t1 / t0:.1f}x the time (fixed cost of the letter ~{t0:.1f} s included)")


if __name__ == "__main__":
    main()
