"""Calibration of raw values into set memberships (docs/architecture.md, Method definitions): the
direct method with three anchors given as values or percentiles, crisp thresholds, and data already
in [0, 1].

Direct method (Ragin 2008; R QCA's ``calibrate(type = "fuzzy", method = "direct")``): with
anchors e (full non-membership), c (crossover) and i (full membership), the log-odds of
membership are (x - c) * L / (i - c) above c and (x - c) * L / (c - e) below it, and the
membership is their logistic transform. L = ln(idm / (1 - idm)): R's default idm = 0.95 gives
L = 2.944 (convention ``"r"``), while fs/QCA and published data sets use L = 3 exactly
(convention ``"fsqca"``). Decreasing sets (i < c < e) are the complement of the increasing
calibration with e and i swapped, as in R. Memberships below 1e-4 become 0 and above 0.9999
become 1, as in R. Percentile anchors (``p5``) are the data's quantiles with linear
interpolation (R's default type 7, numpy's default). A crisp threshold t gives 1 when x >= t
(R's ``findInterval``).

Specification syntax, shared by the command line and the ``[calibration]`` table of a TOML
file (see :func:`parse_calibration`): ``"400,550,900"`` (e, c, i), ``"p5,p50,p95"``,
``"crisp:500"`` or ``"crisp:p50"``, and ``"calibrated"`` for a column already in [0, 1].
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from ismpanel.errors import InputError

CONVENTIONS = {"r": math.log(0.95 / 0.05), "fsqca": 3.0}
CONVENTION_NAMES = {
    "r": "R QCA (idm 0.95, log-odds ±2.944)",
    "fsqca": "fs/QCA (log-odds ±3)",
}
HALF_REMEDIES = ("keep", "up", "down")
TOLERANCE = math.sqrt(np.finfo(float).eps)
PERCENTILE = re.compile(r"^[pP](\d+(?:\.\d+)?)$")


@dataclass(frozen=True)
class Anchor:
    """How one column is calibrated: ``method`` is ``direct`` (three anchors), ``crisp`` (one
    threshold) or ``calibrated``; each anchor is a number or a percentile such as ``"p50"``."""

    method: str
    anchors: tuple[float | str, ...] = ()

    def describe(self) -> str:
        """The specification as it is written on the command line."""
        text = ",".join(a if isinstance(a, str) else f"{a:g}" for a in self.anchors)
        if self.method == "crisp":
            return f"crisp:{text}"
        return text if self.method == "direct" else "calibrated"


@dataclass(frozen=True)
class CalibrationSpec:
    """Calibration of named columns and the log-odds convention of the direct method."""

    columns: dict[str, Anchor] = field(default_factory=dict)
    convention: str = "r"


def parse_anchor(name: str, text: str, *, option: str | None = "calibrate") -> Anchor:
    """Parse one column's specification (``400,550,900``, ``p5,p50,p95``, ``crisp:500``,
    ``calibrated``); errors name the column and the text."""
    raw = text.strip()
    if raw.lower() in ("calibrated", "fuzzy", "raw"):
        return Anchor("calibrated")
    method = "direct"
    if raw.lower().startswith("crisp:"):
        method, raw = "crisp", raw[6:]
    parts = [p.strip() for p in raw.split(",")]
    anchors = tuple(_anchor_value(name, p, text, option) for p in parts)
    return _check_count(name, Anchor(method, anchors), text, option)


def _anchor_value(name: str, part: str, text: str, option: str | None) -> float | str:
    match = PERCENTILE.match(part)
    if match:
        p = float(match.group(1))
        if p > 100:
            raise InputError(f"{name}={text}: percentile {part} is above p100", option=option)
        return part.lower()
    try:
        value = float(part)
    except ValueError:
        raise InputError(
            f"{name}={text}: {part!r} is neither a number nor a percentile such as p50",
            option=option,
        ) from None
    if not math.isfinite(value):
        raise InputError(f"{name}={text}: {part!r} is not a finite number", option=option)
    return value


def _check_count(name: str, anchor: Anchor, text: str, option: str | None) -> Anchor:
    if anchor.method == "direct" and len(anchor.anchors) != 3:
        raise InputError(
            f"{name}={text}: the direct method needs three anchors "
            "(full non-membership, crossover, full membership)",
            option=option,
        )
    if anchor.method == "crisp" and len(anchor.anchors) != 1:
        raise InputError(f"{name}={text}: a crisp calibration takes one threshold", option=option)
    return anchor


def parse_assignment(text: str) -> tuple[str, Anchor]:
    """Parse a ``--calibrate NAME=SPEC`` argument."""
    name, sep, spec = text.partition("=")
    if not sep or not name.strip() or not spec.strip():
        raise InputError(
            f"{text!r}: expected NAME=e,c,i (e.g. DEV=400,550,900 or US1=p5,p50,p95)",
            option="calibrate",
        )
    return name.strip(), parse_anchor(name.strip(), spec)


def parse_calibration(doc: dict) -> CalibrationSpec:
    """Build a specification from a TOML-like dict (the ``[calibration]`` table)::

        convention = "r"                 # or "fsqca"
        [calibration.conditions]         # column = anchors
        DEV = [400, 550, 900]            # e, c, i as values
        US1 = ["p5", "p50", "p95"]       # or percentiles of the data
        IND = "900,550,400"              # a string as on the command line (decreasing set)
        GDP = { crisp = 500 }            # crisp threshold: x >= 500 is in the set
        LIT = "calibrated"               # already memberships in [0, 1]

    Unknown keys are errors that name the key."""
    if not isinstance(doc, dict):
        raise InputError("[calibration] must be a table")
    unknown = set(doc) - {"convention", "conditions"}
    if unknown:
        raise InputError(
            f"[calibration]: unknown key {sorted(unknown)[0]!r}; expected convention, conditions"
        )
    convention = doc.get("convention", "r")
    if convention not in CONVENTIONS:
        raise InputError(
            f"[calibration] convention = {convention!r}: expected one of {', '.join(CONVENTIONS)}"
        )
    conditions = doc.get("conditions", {})
    if not isinstance(conditions, dict):
        raise InputError("[calibration.conditions] must be a table of column = anchors")
    columns = {}
    for name, value in conditions.items():
        columns[name] = _anchor_from_toml(name, value)
    return CalibrationSpec(columns, convention)


def _anchor_from_toml(name: str, value: object) -> Anchor:
    where = f"[calibration.conditions] {name}"
    if isinstance(value, str):
        return parse_anchor(name, value, option=None)
    if isinstance(value, list):
        return parse_anchor(name, ",".join(str(v) for v in value), option=None)
    if isinstance(value, dict):
        keys = set(value)
        if keys == {"crisp"}:
            return parse_anchor(name, f"crisp:{value['crisp']}", option=None)
        if keys == {"anchors"} and isinstance(value["anchors"], list):
            return parse_anchor(name, ",".join(str(v) for v in value["anchors"]), option=None)
        raise InputError(f"{where}: expected anchors = [e, c, i] or crisp = threshold")
    raise InputError(f"{where}: expected a list of three anchors, a string or a table")


def scale(convention: str) -> float:
    """The log-odds L reached at the full-membership anchor under a convention."""
    try:
        return CONVENTIONS[convention]
    except KeyError:
        raise InputError(
            f"convention {convention!r}: expected one of {', '.join(CONVENTIONS)}",
            option="convention",
        ) from None


def resolve(x: np.ndarray, anchor: Anchor) -> tuple[float, ...]:
    """The anchors as numbers, percentiles taken of ``x`` (linear interpolation, R type 7)."""
    out = []
    for a in anchor.anchors:
        if isinstance(a, str):
            out.append(float(np.percentile(x, float(a[1:]))))
        else:
            out.append(float(a))
    return tuple(out)


def direct(x: np.ndarray, e: float, c: float, i: float, convention: str = "r") -> np.ndarray:
    """Direct-method memberships for anchors e, c, i (increasing when e < c < i, decreasing
    when e > c > i); the anchors must be strictly monotone."""
    if not (e < c < i or e > c > i):
        values = np.unique(x[~np.isnan(x)]) if len(x) else x
        if len(values) == 1:  # percentile anchors of constant data all coincide
            raise InputError(
                f"anchors {e:g}, {c:g}, {i:g} are not in order: every case has the raw value "
                f"{values[0]:g}, so the condition is constant and cannot be analysed"
            )
        raise InputError(
            f"anchors {e:g}, {c:g}, {i:g} are not in order: expected full non-membership < "
            "crossover < full membership, or the reverse for a decreasing set"
        )
    L = scale(convention)
    x = np.asarray(x, dtype=float)
    lo, hi = (e, i) if e < i else (i, e)
    with np.errstate(over="ignore"):
        logodds = np.where(x >= c, (x - c) * L / (hi - c), (x - c) * L / (c - lo))
        fs = 1.0 / (1.0 + np.exp(-logodds))
    if e > i:
        fs = 1.0 - fs
    fs[fs < 0.0001] = 0.0
    fs[fs > 0.9999] = 1.0
    return fs


def crisp(x: np.ndarray, threshold: float) -> np.ndarray:
    """1 where x >= threshold, else 0 (R's ``findInterval`` with one threshold)."""
    return (np.asarray(x, dtype=float) >= threshold).astype(float)


@dataclass(frozen=True)
class Calibrated:
    """A column after calibration, with how it was done (for the output)."""

    values: np.ndarray
    method: str
    anchors: tuple[float, ...]


def calibrate_column(
    name: str, x: np.ndarray, anchor: Anchor | None, convention: str, case_ids: list[str]
) -> Calibrated:
    """Calibrate one column; without a specification the column must already hold memberships
    in [0, 1]. Errors name the column, and the case for out-of-range values."""
    x = np.asarray(x, dtype=float)
    if anchor is None or anchor.method == "calibrated":
        bad = np.flatnonzero((x < 0) | (x > 1))
        if len(bad):
            r = int(bad[0])
            hint = f"; calibrate it, e.g. --calibrate {name}=e,c,i" if anchor is None else ""
            raise InputError(
                f"column {name}: value {x[r]:g} of case {case_ids[r]} is not a membership "
                f"in [0, 1]{hint}",
                option="calibrate",
            )
        return Calibrated(x.copy(), "calibrated", ())
    values = resolve(x, anchor)
    if anchor.method == "crisp":
        t = values[0]
        if t < x.min() or t > x.max():
            raise InputError(
                f"{name}={anchor.describe()}: threshold {t:g} lies outside the data "
                f"({x.min():g} to {x.max():g})",
                option="calibrate",
            )
        return Calibrated(crisp(x, t), "crisp", values)
    e, c, i = values
    try:
        fs = direct(x, e, c, i, convention)
    except InputError as err:
        raise InputError(f"{name}={anchor.describe()}: {err}", option="calibrate") from None
    return Calibrated(fs, "direct", values)


def half_cases(x: np.ndarray) -> np.ndarray:
    """Mask of the cases with a membership of exactly 0.5 (within float noise)."""
    return np.abs(np.asarray(x, dtype=float) - 0.5) < TOLERANCE


def apply_half_remedy(x: np.ndarray, remedy: str) -> np.ndarray:
    """The explicit remedy for memberships of exactly 0.5: ``keep`` (R: the case belongs to no
    truth-table row but still counts in every sum), ``up`` (0.501) or ``down`` (0.499)."""
    if remedy not in HALF_REMEDIES:
        raise InputError(f"{remedy!r}: expected one of {', '.join(HALF_REMEDIES)}", option="half")
    if remedy == "keep":
        return x
    out = np.array(x, dtype=float)
    out[half_cases(out)] = 0.501 if remedy == "up" else 0.499
    return out
