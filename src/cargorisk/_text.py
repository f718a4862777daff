"""Text keys for matching names typed by people (no heavy imports: the ``border`` commands and
the place lookup both use them)."""

from __future__ import annotations

import re
import unicodedata


def normalise(text: str) -> str:
    """Lower-case ASCII words: 'Ciudad Juárez' -> 'ciudad juarez', 'N.L.' -> 'nl'."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    ascii_text = re.sub(r"(?<=\b\w)\.", "", ascii_text)  # N.L. -> NL
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text).split())


# words people abbreviate in place names (Cd. Juárez, Nvo. Laredo, Gral. Escobedo, St. Louis)
WORD_ABBREVIATIONS = {"cd": "ciudad", "nvo": "nuevo", "nva": "nueva", "gral": "general", "sta": "santa",
                      "sto": "santo", "sn": "san", "ft": "fort", "mt": "mount", "st": "saint"}  # fmt: skip


def expand(key: str) -> str:
    """A normalised key with abbreviated words written out: 'nvo laredo' -> 'nuevo laredo'."""
    return " ".join(WORD_ABBREVIATIONS.get(w, w) for w in key.split())
