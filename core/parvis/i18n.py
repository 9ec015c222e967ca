"""Translations and locale-aware formatting; the locale is held per request in a context variable.

Each plugin has its own Babel domain (``parvis_<plugin>``) under its ``locale/`` folder. Catalogs
are read from the ``.po`` files and compiled in memory at start-up, so a stale ``.mo`` can never
ship. Lookups fall back from a plugin's domain to core's; a template looks in its own plugin's
domain first (see ``templating.make_environment``).
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext as _gettext
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy

SUPPORTED_LOCALES: tuple[str, ...] = ("fr", "en")
DEFAULT_LOCALE = "fr"
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}

# Set by the language links (``GET /language/<code>``): a visitor without a session keeps it.
LANGUAGE_COOKIE = "parvis_lang"

_locale: ContextVar[str] = ContextVar("parvis_locale", default=DEFAULT_LOCALE)
# Towns are French municipalities by default; each may set its own zone in the administration
# (``towns.time_zone_name``).
DEFAULT_TIME_ZONE = "Europe/Paris"
# The request's town clock: times are shown in it.
_time_zone: ContextVar[str] = ContextVar("parvis_time_zone", default=DEFAULT_TIME_ZONE)
_catalogs: ContextVar[Catalogs | None] = ContextVar("parvis_catalogs", default=None)


def load_catalog(locale_dir: Path, locale: str, domain: str) -> _gettext.GNUTranslations | None:
    po_path = locale_dir / locale / "LC_MESSAGES" / f"{domain}.po"
    if not po_path.is_file():
        return None
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale, domain=domain)
    buf = BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


class Catalogs:
    """Every domain's catalog per locale, chained for lookups."""

    def __init__(self, sources: Iterable[tuple[str, Path | None]]) -> None:
        # sources: (domain, locale_dir) with core's domain first.
        self.by_domain: dict[tuple[str, str], _gettext.NullTranslations] = {}
        self.chains: dict[str, _gettext.NullTranslations] = {}
        self._for_domain: dict[tuple[str, str], _gettext.NullTranslations] = {}
        sources = list(sources)
        for locale in SUPPORTED_LOCALES:
            chain: _gettext.NullTranslations | None = None
            for domain, locale_dir in sources:
                catalog = load_catalog(locale_dir, locale, domain) if locale_dir else None
                if catalog is None:
                    continue
                self.by_domain[(domain, locale)] = catalog
                if chain is None:
                    chain = catalog
                else:
                    chain.add_fallback(catalog)
            self.chains[locale] = chain or _gettext.NullTranslations()
        # ``translated``'s texts: (id of a lazy label, locale) -> (the label, its text).
        self.texts: dict[tuple[int, str], tuple[LazyProxy, str]] = {}

    def for_domain(self, domain: str, locale: str) -> _gettext.NullTranslations:
        """A domain's catalog then core's chain, built once per (domain, locale): every
        ``gettext`` asks for one."""
        found = self._for_domain.get((domain, locale))
        if found is None:
            own = self.by_domain.get((domain, locale))
            chain = self.chains.get(locale) or _gettext.NullTranslations()
            found = chain if own is None else _DomainFirst(own, chain)
            self._for_domain[(domain, locale)] = found
        return found


class _DomainFirst(_gettext.NullTranslations):
    """A plugin's own catalog, then core's chain (without mutating either)."""

    def __init__(self, own: _gettext.NullTranslations, rest: _gettext.NullTranslations) -> None:
        super().__init__()
        self.own, self.rest = own, rest

    def gettext(self, message: str) -> str:
        result = self.own.gettext(message)
        return result if result != message else self.rest.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        result = self.own.ngettext(singular, plural, n)
        if result not in (singular, plural):
            return result
        return self.rest.ngettext(singular, plural, n)


def activate(catalogs: Catalogs | None, locale: str) -> None:
    """Set the locale for the current request (or CLI command, or test)."""
    _catalogs.set(catalogs)
    _locale.set(locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE)


@contextmanager
def use_locale(catalogs: Catalogs | None, locale: str) -> Iterator[None]:
    """Translate in ``locale`` inside the block (e-mails written in each reader's language)."""
    previous = (_catalogs.get(), _locale.get())
    activate(catalogs, locale)
    try:
        yield
    finally:
        _catalogs.set(previous[0])
        _locale.set(previous[1])


def get_locale() -> str:
    return _locale.get()


def active_catalogs() -> Catalogs | None:
    """The catalogs translations are looked up in now (``activate``)."""
    return _catalogs.get()


def set_time_zone(name: str) -> None:
    """Show times in ``name`` for the current request (or command, or test)."""
    _time_zone.set(name)


def get_time_zone() -> str:
    """The IANA name of the clock times are shown in (the request's town's)."""
    return _time_zone.get()


def _translations(domain: str = "parvis") -> _gettext.NullTranslations:
    catalogs = _catalogs.get()
    if catalogs is None:
        return _gettext.NullTranslations()
    return catalogs.for_domain(domain, _locale.get())


def raw_gettext(message: str, domain: str = "parvis") -> str:
    return _translations(domain).gettext(message)


def raw_ngettext(singular: str, plural: str, n: int, domain: str = "parvis") -> str:
    return _translations(domain).ngettext(singular, plural, n)


def gettext(message: str, **variables: object) -> str:
    text = _translations().gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = _translations().ngettext(singular, plural, n)
    return text % {"num": n, **variables}


# ``translated`` keeps this many texts per catalogs at most (the labels of a few plugins' types,
# phases, roles and actions in each language fit).
TEXTS_MAX = 4096


def translated(label: object) -> str:
    """``str(label)``, a lazy label (``lazy_gettext``: module types', phases') read once per
    catalogs and language rather than looked up at every use (about 10,000 instructions each:
    the home page's cards read a dozen). Only for labels made at import, whose text depends on
    nothing but the language."""
    catalogs = _catalogs.get()
    if catalogs is None or type(label) is not LazyProxy:
        return str(label)
    key = (id(label), _locale.get())
    kept = catalogs.texts.get(key)
    if kept is not None and kept[0] is label:
        return kept[1]
    text = str(label)
    if len(catalogs.texts) >= TEXTS_MAX:
        catalogs.texts.clear()
    catalogs.texts[key] = (label, text)
    return text


def lazy_gettext(message: str, **variables: object) -> LazyProxy:
    """For strings defined at import time (labels of actions, roles, phases...)."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


class Translator:
    """Gettext functions for one plugin's domain; plugins get theirs from ``parvis.api``."""

    def __init__(self, domain: str) -> None:
        self.domain = domain

    def gettext(self, message: str, **variables: object) -> str:
        text = _translations(self.domain).gettext(message)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, n: int, **variables: object) -> str:
        text = _translations(self.domain).ngettext(singular, plural, n)
        return text % {"num": n, **variables}

    def lazy_gettext(self, message: str, **variables: object) -> LazyProxy:
        return LazyProxy(self.gettext, message, enable_cache=False, **variables)


def negotiate_locale(*candidates: str | None, accept_language: str = "", default: str) -> str:
    """The first supported of: explicit candidates (user, cookie), Accept-Language, default."""
    for candidate in candidates:
        if candidate in SUPPORTED_LOCALES:
            return candidate
    found = _accepted(accept_language)
    if found:
        return found
    return default if default in SUPPORTED_LOCALES else DEFAULT_LOCALE


@functools.lru_cache(maxsize=1024)
def _accepted(accept_language: str) -> str | None:
    """The supported language an ``Accept-Language`` header prefers, if any: kept per header
    (a few distinct ones are sent by most browsers; each request asked Babel twice)."""
    preferred = []
    for part in accept_language.split(","):
        lang, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        if lang:
            preferred.append((weight, lang.strip().replace("-", "_")))
    preferred.sort(key=lambda item: -item[0])
    found = Locale.negotiate([lang for _, lang in preferred], list(SUPPORTED_LOCALES))
    return str(found) if found else None


# --- formatting ---------------------------------------------------------------------------------


# Babel's "en" is American English (month first: "12/3/26", "Dec 3, 2026, 2:05 PM"); the
# towns are European, so English dates read day first, as in British English.
_DATE_LOCALES = {"en": "en_GB"}


def date_locale(locale: str | None = None) -> str:
    """The Babel locale dates and times are written in for ``locale`` (default: the current)."""
    locale = locale or get_locale()
    return _DATE_LOCALES.get(locale, locale)


def format_date(value: dt.date | dt.datetime | None, fmt: str = "long") -> str:
    if value is None:
        return ""
    return dates.format_date(value, format=fmt, locale=date_locale())


def format_datetime(value: dt.datetime | None, fmt: str = "medium", tz: str | None = None) -> str:
    """``value`` in the request's language, on the town's clock unless ``tz`` names another.

    ``short``, ``medium`` and ``long`` give the date in that length and the time without seconds
    ("3 déc. 2026 14:05"): residents never need the seconds. Any other ``fmt`` is a Babel
    pattern."""
    if value is None:
        return ""
    locale = Locale.parse(date_locale())
    if fmt in ("short", "medium", "long"):
        # The locale's own way of joining a date and a time, with its short (minute) time.
        fmt = str(locale.datetime_formats[fmt]).format(
            locale.time_formats["short"].pattern, locale.date_formats[fmt].pattern
        )
    return dates.format_datetime(
        value, format=fmt, tzinfo=dates.get_timezone(tz or _time_zone.get()), locale=locale
    )


def format_number(value: int | float | Decimal) -> str:
    if type(value) is int and -10_000 < value < 10_000:
        # Card lists print hundreds of small counts; Babel takes ~50 µs for each.
        return _small_number(value, get_locale())
    return numbers.format_decimal(value, locale=get_locale())


@functools.lru_cache(maxsize=4096)
def _small_number(value: int, locale: str) -> str:
    return numbers.format_decimal(value, locale=locale)


def format_percent(value: float | Decimal) -> str:
    return numbers.format_percent(value, locale=get_locale())


def format_currency(value: int | float | Decimal, currency: str = "EUR") -> str:
    return numbers.format_currency(value, currency, locale=get_locale())
