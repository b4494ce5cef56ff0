"""Make the screenshots that the README and the authoring guide show (iopcurr/docs/img/*.png).

    python tests/screenshots.py

Builds the bundled curriculum with `--today` fixed, opens its pages in Chromium (Playwright,
Debian's /usr/bin/chromium) and keeps a small picture of each facilitator's-night page: the
Tonight card, a run sheet, the segment timer, tonight's handouts, the paperwork, the joining page
and the printed schedule grid. Run it after a change that alters how those pages look, and look
at the pictures before committing them. Pillow (from the `pdf` extra) makes them small.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "iopcurr" / "docs" / "img"
TODAY = "2027-01-12"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def shrink(path: Path, width: int) -> None:
    """Scale the picture to `width` px and keep it as a 64-colour PNG (a few tens of kB)."""
    image = Image.open(path).convert("RGB")
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
    image.quantize(64).save(path, optimize=True)


def element(page: Page, url: str, selector: str, name: str, width: int = 900, tallest: int = 640) -> None:
    """The element as it shows on screen, cut at `tallest` px."""
    page.goto(url)
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{url}: no {selector}"
    box["height"] = min(box["height"], tallest)
    page.screenshot(path=str(OUT / name), clip=box, full_page=True)
    shrink(OUT / name, width)


def printed(page: Page, url: str, name: str, tmp: Path) -> None:
    """The first printed page (Letter), as print shows it."""
    page.goto(url)
    pdf = tmp / "print.pdf"
    page.pdf(path=str(pdf), format="Letter", print_background=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(OUT / name.removesuffix(".png"))], check=True)
    shrink(OUT / name, 510)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        site = tmp / "site"
        subprocess.run([sys.executable, "-m", "iopcurr", "build", str(ROOT / "curriculum"), "-o", str(site),
                        "--today", TODAY, "-q"], check=True)
        first = (site / "runsheets" / "2.html").as_uri()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1000, "height": 900}, timezone_id="America/Chicago")
            page.clock.install(time="2027-01-05T18:03:00-06:00")  # session 2 has just begun
            element(page, (site / "index.html").as_uri(), ".tonight", "tonight.png")
            page.goto(first)
            page.locator("[data-timer-start]").click()
            page.locator(".timer").screenshot(path=str(OUT / "timer.png"))
            shrink(OUT / "timer.png", 600)
            element(page, (site / "joining.html").as_uri(), "main", "joining.png", 700, 480)
            element(page, (site / "bundles" / "2.html").as_uri(), "main", "bundle.png", 700, 560)
            printed(page, first, "runsheet.png", tmp)
            printed(page, (site / "schedule.html").as_uri(), "schedule-grid.png", tmp)
            paperwork = (site / "paperwork" / "2.html").as_uri()
            element(page, paperwork, ".sign-in", "sign-in.png", 700)
            element(page, paperwork, ".group-note", "group-note.png", 700)
            element(page, paperwork, ".fidelity", "fidelity.png", 700)
            browser.close()
    for shot in sorted(OUT.glob("*.png")):
        print(f"{shot.relative_to(ROOT)}: {shot.stat().st_size // 1024} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
