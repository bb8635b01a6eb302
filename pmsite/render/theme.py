"""Where the built-in theme lives (kept free of heavy imports: the no-op build needs it)."""

from __future__ import annotations

from pathlib import Path

from pmsite.errors import PmsiteError


def builtin_theme_dir() -> Path:
    """The default theme: pmsite/templates/ when installed from a wheel, the repository's
    top-level templates/ when running from a checkout (or an editable install)."""
    package_dir = Path(__file__).resolve().parent.parent  # pmsite/, not pmsite/render/
    for candidate in (package_dir / "templates", package_dir.parent / "templates"):
        if (candidate / "base.html").is_file():
            return candidate
    raise PmsiteError(f"pmsite's built-in templates are missing from {package_dir}")
