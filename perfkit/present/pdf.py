"""The Board pack as a PDF: the same HTML with print styles, tagged for screen readers, the same bytes
every time.

:func:`write_pdf` renders a page already written (``board/board-pack.html``) with WeasyPrint, which
needs only Python packages and the system's Pango. The print stylesheet
(``perfkit/present/templates/perfkit/print.css``) numbers the pages, gives the contents their page
numbers and keeps charts, tables and headings from splitting across pages. The PDF is PDF/UA-1: a
tagged structure tree (headings, lists, tables with header cells, figures with their alt text), the
document's language and title, so a screen reader follows it.

Reproducible: WeasyPrint writes no creation or modification date unless the page asks for one (it
does not), and its file identifier is derived from the content; nothing is resolved against a local
path (no base URL), so no folder name reaches the file. Two renders of the same page are identical,
byte for byte, and ``perfkit verify`` compares the PDF like every other published file.
"""

from __future__ import annotations

import logging
from pathlib import Path

__all__ = ["write_pdf", "pdf_bytes", "PRINT_CSS", "PDF_VARIANT"]

#: The print stylesheet applied on top of the page's own styles.
PRINT_CSS = Path(__file__).resolve().parent / "templates" / "perfkit" / "print.css"

#: The PDF variant written: PDF/UA-1, tagged for accessibility.
PDF_VARIANT = "pdf/ua-1"


def pdf_bytes(html: str) -> bytes:
    """The PDF of one HTML page (a string holding the whole document) with the print stylesheet."""
    from weasyprint import CSS, HTML

    # WeasyPrint and fontTools log every font subset and unsupported CSS property at INFO/WARNING;
    # a scheduled run's log keeps to what matters.
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    document = HTML(string=html, base_url=None)
    return document.write_pdf(stylesheets=[CSS(filename=str(PRINT_CSS))], pdf_variant=PDF_VARIANT,
                              uncompressed_pdf=False, optimize_images=False)


def write_pdf(html_path: "Path | str", pdf_path: "Path | str | None" = None) -> Path:
    """Write the PDF of ``html_path`` beside it (``board-pack.html`` -> ``board-pack.pdf``) or to
    ``pdf_path``; returns the PDF's path."""
    html_path = Path(html_path)
    target = Path(pdf_path) if pdf_path else html_path.with_suffix(".pdf")
    target.write_bytes(pdf_bytes(html_path.read_text(encoding="utf-8")))
    return target
