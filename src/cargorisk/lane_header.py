"""A lane book's header: which column is read as which lane column (:func:`check_header`).

A column's name is matched once normalised (:func:`normalise`): case, accents, spaces, hyphens
and other punctuation aside, without a trailing qualifier in brackets (``Cargo Value (USD)``,
``Departure (local)``); a value column may end in its currency too (``value_usd``). It is read as
the lane column it names (``cargo_value``, ``Cargo Value``), else as the one it is an alias of
(:data:`ALIASES`: ``Valor de la carga``, ``Departure Date``, ``Commodity``, ``Origen``) when the
book has no column of the lane column's own name; a scored book's ``cargo_value_usd`` (and, in a
book scored again, its previous ``objective``, ``cargo_type`` and ``crossing_mode``) only when
nothing else names that lane column. The whole book fails, in one line before any work, when
two columns would be read as one lane column, when its cargo value is in another currency
(``cargo_value_mxn``, ``Valor (MXN)``) or in thousands, when a column is spelt like a lane column
the book lacks (``cargo_vaule``), or when one looks like a lane column the book lacks
(:data:`LOOKS_LIKE`: ``Cargo Worth Value``, ``Fecha salida estimada``): scored at the defaults,
each would mis-price every lane. Every other column is the user's own and passes through.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

from cargorisk.errors import InputError

REQUIRED = ("lane_id", "origin", "destination")
REQUEST = ("origin", "destination", "depart", "cargo_value", "cargo_type", "objective", "crossing_mode")
LANE_COLUMNS = tuple(dict.fromkeys((*REQUIRED, *REQUEST)))  # the columns a lane book is read by
READ_ERROR = "_read_error"  # a row the reader could not take apart: its message (not an output)
READ_NOTE = "_read_note"  # the reader's note on a row (a repeated lane_id; not an output)
HIDDEN = (READ_ERROR, READ_NOTE, "geometry")  # never a column of the user's

# other names of the lane columns, as normalised (see normalise): read as that lane column when
# the book has no column of its own name
ALIASES: dict[str, tuple[str, ...]] = {
    lane: tuple(names.split())
    for lane, names in {
        "lane_id": "lane lane_no lane_number lane_ref id",
        "origin": "origen from ship_from origin_city ciudad_origen ciudad_de_origen",
        "destination": "destino dest to ship_to destination_city ciudad_destino ciudad_de_destino",
        "depart": "departure departure_time departure_date departure_datetime departure_date_time "
        "depart_time depart_date depart_datetime departs etd salida fecha_salida fecha_de_salida "
        "hora_de_salida fecha_hora_salida fecha_y_hora_de_salida",
        "cargo_value": "value declared_value insured_value load_value shipment_value goods_value valor "
        "valor_declarado valor_carga valor_de_carga valor_de_la_carga valor_mercancia valor_de_la_mercancia",
        "cargo_type": "commodity commodity_type cargo goods_type type_of_cargo tipo_de_carga tipo_carga "
        "mercancia tipo_de_mercancia",
        "objective": "objetivo",
        "crossing_mode": "modo_de_cruce modo_cruce tipo_de_cruce",
    }.items()
}
ALIAS_OF = {alias: lane for lane, names in ALIASES.items() for alias in names}
# a column read as no lane column, but whose name says it is an optional one the book lacks
# (see check_resembling; a required one missing fails the book anyway, showing the header;
# 'departamento', Spanish for department, is not a departure)
LOOKS_LIKE = {
    "depart": r"(^|_)depart(?!ament)|(^|_)salida|(^|_)etd(_|$)",
    "cargo_value": r"(^|_)valu|(^|_)valor",
    "cargo_type": r"(^|_)(commod|comod|mercanc)|cargo_type|type_of_cargo|tipo_de_carga",
    "objective": r"(^|_)(objectiv|objetiv)",
}
WHAT = {
    "depart": "each lane's departure (ISO 8601)",
    "cargo_value": "each load's value in US dollars",
    "cargo_type": "each load's cargo type",
    "objective": "each lane's objective",
}
# how alike a column's name and a lane column's (or a long alias's) must be to be taken for a
# typo of it (difflib's ratio): 'cargo_vaule' 0.91, 'departur' 0.86 are; a TMS's own
# 'cargo_weight', 'crossing', 'dept' or 'carrier_type' (0.6 to 0.8) are not
TYPO = 0.85
# a value's currency, from its column's qualifier or suffix ('(USD)', '_mxn', 'en pesos')
DOLLARS = {"usd", "us", "dollar", "dollars", "dolar", "dolares", "dls", "dlls", "dll", "$"}
CURRENCIES = {"mxn": "MXN", "mxp": "MXN", "mn": "MXN", "mx": "MXN", "peso": "MXN", "pesos": "MXN",
              "eur": "EUR", "euro": "EUR", "euros": "EUR", "€": "EUR", "cad": "CAD", "gbp": "GBP",
              "£": "GBP"}  # fmt: skip
SCALES = {"k", "000", "thousand", "thousands", "mil", "miles", "m", "mm", "million", "millions", "millones",
          "mdd"}  # fmt: skip
UNIT_WORDS = DOLLARS | set(CURRENCIES) | SCALES | {"in", "en", "de", "of"}
# the columns every scored book has (a book scored again: its previous scores are not carried)
SCORED = ("status", "error", "origin_name", "destination_name", "theft_prob", "cost_usd", "top_risk_driver")
# read as their lane column only when nothing else in the book is: the output's cargo_value_usd
# and a scored book's previous scores of the request
FALLBACK = {"cargo_value_usd": "cargo_value"}
RESCORED = ("objective", "cargo_type", "crossing_mode")
EXACT, ALIAS, LAST = 0, 1, 2  # how a column names a lane column, strongest first


def column_key(name: object) -> str:
    """A column name as output names are matched: case, surrounding spaces, inner spaces and
    hyphens aside ('Cargo Value ' -> 'cargo_value', 'Lane-ID' -> 'lane_id')."""
    return re.sub(r"[\s-]+", "_", str(name).strip().lower())


def plain(text: str) -> str:
    """Lower case without accents ('Mercancía' -> 'mercancia')."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip().lower()


QUALIFIER = re.compile(r"(.*?)\s*[(\[]([^()\[\]]*)[)\]]\s*")


def normalise(name: object) -> tuple[str, list[str]]:
    """(name, qualifiers): lower case, accents off, every run of other characters one '_', the
    trailing bracketed qualifiers apart ('Cargo Value (USD)' -> ('cargo_value', ['usd']),
    'Valor de la carga' -> ('valor_de_la_carga', []))."""
    text, qualifiers = plain(str(name)), []
    while (found := QUALIFIER.fullmatch(text)) and found.group(1):
        text = found.group(1)
        qualifiers.append(found.group(2))
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_"), qualifiers


def unit_tokens(text: str) -> list[str]:
    """The words of a qualifier or suffix that may name a currency or scale."""
    text = text.replace("m.n.", "mn").replace("us$", "usd").replace("mx$", "mxn")
    return re.findall(r"[a-z]+|\d+|[$€£]", text)


class Match:
    """How one column names a lane column: ``lane`` (None: it names none), ``level``
    (:data:`EXACT`, :data:`ALIAS`, :data:`LAST`) and, for a value, its currency and scale."""

    __slots__ = ("currency", "lane", "level", "scale")

    def __init__(self, lane: str | None, level: int = EXACT, units: list[str] | None = None) -> None:
        self.lane, self.level = lane, level
        units = units or []
        self.currency = next((CURRENCIES[u] for u in units if u in CURRENCIES), "")
        self.scale = next((u for u in units if u in SCALES), "")


def match(column: object, rescored: bool = False) -> Match:
    """The lane column ``column`` names, and how (see the module's docstring)."""
    key = column_key(column)
    if key in FALLBACK:
        return Match(FALLBACK[key], LAST)
    if rescored and key in RESCORED:
        return Match(key, LAST)
    base, qualifiers = normalise(column)
    units = [u for q in qualifiers for u in unit_tokens(q)]
    if base in LANE_COLUMNS:
        return Match(base, EXACT, units)
    if base in ALIAS_OF:
        return Match(ALIAS_OF[base], ALIAS, units)
    words = base.split("_")  # a value with its currency or scale as a suffix ('value_usd', 'valor_mxn')
    while len(words) > 1 and words[-1] in UNIT_WORDS:
        units.append(words.pop())
    stem = "_".join(words)
    if stem == "cargo_value" or ALIAS_OF.get(stem) == "cargo_value":
        return Match("cargo_value", EXACT if stem == "cargo_value" else ALIAS, units)
    return Match(None)


def rescored(columns: list) -> bool:
    """Whether the book is a scored book scored again (it has the scored columns)."""
    return set(SCORED) <= {str(c) for c in columns}


PREVIOUS = "_previous_"  # the name a book scored again's previous objective (say) is read by


def lane_names(columns: list, source: str = "input") -> list:
    """The name each column is read by: the lane column it is (see the module's docstring),
    else its own name (a column of the user's, passed through); refuses, in one line, two
    columns for one lane column and a value in another currency or in thousands."""
    again = rescored(columns)
    found = [Match(None) if str(c) in HIDDEN else match(c, again) for c in columns]
    names = list(columns)
    for lane in LANE_COLUMNS:
        candidates = [i for i, m in enumerate(found) if m.lane == lane]
        usable = [i for i in candidates if not found[i].currency and not found[i].scale]
        if not usable and candidates:
            refuse_unit(columns[candidates[0]], found[candidates[0]], source)
        if not usable:
            continue
        best = min(found[i].level for i in usable)
        chosen = [i for i in usable if found[i].level == best]
        if len(chosen) > 1:
            listed = sorted({str(columns[i]) for i in chosen})  # ['origin'] for a name given twice
            msg = (
                f"{source} has the column(s) {listed} more than once; keep one of each"
                if best == EXACT
                else f"{source}: columns {listed} would each be read as {lane}; keep one of them, "
                f"or rename the others"
            )
            raise InputError(msg)
        names[chosen[0]] = lane
        for i in usable:  # a previous score not read: out of the lane column's way
            if i != chosen[0] and str(columns[i]) == lane:
                names[i] = PREVIOUS + lane
    return names


def refuse_unit(column: object, found: Match, source: str) -> None:
    """A one-line error for a cargo value in another currency or in thousands or millions."""
    if found.currency:
        msg = (
            f"{source}: column {str(column)!r} gives the cargo value in {found.currency}; cargo_value must "
            f"be in US dollars: convert the amounts to USD and name the column cargo_value"
        )
    else:
        msg = (
            f"{source}: column {str(column)!r} gives the cargo value in thousands or millions "
            f"({found.scale!r}); cargo_value must be in whole US dollars (250000, not 250): convert the "
            f"amounts and name the column cargo_value"
        )
    raise InputError(msg)


def check_header(columns: list, source: str = "input") -> list:
    """The name each column is read by (see :func:`lane_names`), or a one-line error before any
    work: a column given twice, a value not in US dollars, a column spelt like (or looking like) a
    lane column the book lacks (scored at the defaults it would mis-price every lane), a required
    one missing."""
    names = lane_names(columns, source)
    own = [str(n) for n in names if n not in LANE_COLUMNS]
    repeated = sorted({n for n in own if own.count(n) > 1})
    if repeated:
        msg = f"{source} has the column(s) {repeated} more than once; keep one of each"
        raise InputError(msg)
    check_misspelt(columns, names, source)
    check_resembling(columns, names, source)
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        msg = (
            f"{source} lacks columns {missing}; its header reads {shown_header(columns)}; a lane book "
            f"needs {list(REQUIRED)} (optional: {', '.join(LANE_COLUMNS[len(REQUIRED) :])})"
        )
        raise InputError(msg)
    return names


def unread(columns: list, names: list) -> list[tuple[object, str]]:
    """(column, normalised name) of each column read as no lane column and naming none (not an
    alias of a lane column the book has, not a hidden or previous-score column)."""
    again = rescored(columns)
    return [
        (c, normalise(c)[0])
        for c, n in zip(columns, names, strict=True)
        if n not in LANE_COLUMNS and str(c) not in HIDDEN and match(c, again).lane is None
    ]


def check_misspelt(columns: list, names: list, source: str) -> None:
    """A one-line error naming each column that is not a lane column but is spelt like one the
    book lacks, or like one of its longer aliases (as the HTTP API's unknown fields); other
    columns are the user's own."""
    absent = [c for c in LANE_COLUMNS if c not in names]
    targets = {lane: lane for lane in absent} | {
        alias: lane for alias, lane in ALIAS_OF.items() if lane in absent and len(alias) >= 6
    }
    near = {
        column: targets[close[0]]
        for column, key in unread(columns, names)
        if (close := difflib.get_close_matches(key, list(targets), n=1, cutoff=TYPO))
    }
    if not near:
        return
    if len(near) == 1:
        [(column, lane)] = near.items()
        named = f"column {str(column)!r} is not a lane column; did you mean {lane!r}?"
    else:
        listed = ", ".join(f"{str(c)!r} (did you mean {n!r}?)" for c, n in near.items())
        named = f"columns {listed} are not lane columns."
    msg = (
        f"{source}: {named} Correct the name, or give a column of your own a name unlike the lane "
        f"columns ({', '.join(LANE_COLUMNS)}; case, spaces and hyphens aside)"
    )
    raise InputError(msg)


def check_resembling(columns: list, names: list, source: str) -> None:
    """A one-line error naming each column that is read as no lane column but whose name says
    it is one the book lacks ('Total Value' with no cargo_value: every lane would be priced at
    the default value, the column ignored); one whose lane column is in the book passes."""
    absent = [lane for lane in LANE_COLUMNS if lane not in names and lane in LOOKS_LIKE]
    like = {}
    for column, key in unread(columns, names):
        lane = next((lane for lane in absent if re.search(LOOKS_LIKE[lane], key)), None)
        if lane is not None:
            like[column] = lane
    if not like:
        return
    if len(like) == 1:
        [(column, lane)] = like.items()
        named = (
            f"column {str(column)!r} is not read as a lane column but looks like {lane}, which the book "
            f"lacks: if it holds {WHAT[lane]}, name it {lane!r}"
        )
    else:
        listed = ", ".join(f"{str(c)!r} (like {lane})" for c, lane in like.items())
        lanes = "; ".join(f"{lane}: {WHAT[lane]}" for lane in dict.fromkeys(like.values()))
        named = (
            f"columns {listed} are not read as lane columns but look like ones the book lacks: if one "
            f"holds what its lane column does ({lanes}), name it so"
        )
    msg = f"{source}: {named}; if not, rename it, or add the lane column (its empty cells take the default)"
    raise InputError(msg)


def shown_header(columns: list, limit: int = 100) -> str:
    """The header as read, quoted and cut to ``limit`` characters, with what to do when it is
    Excel's ``sep=`` line or one column holding ';', a tab or '|' (not comma-separated)."""
    text = ",".join(map(str, columns))
    quoted = repr(text if len(text) <= limit else text[:limit] + "...")
    if text.lower().startswith("sep="):
        return f"{quoted} (Excel's 'sep=' line: the header is the line after it)"
    if len(columns) == 1 and any(mark in text for mark in ";\t|"):
        return f"{quoted} (read as one column: separate the columns with commas or semicolons)"
    return quoted
