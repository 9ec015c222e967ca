"""``App``: what a plugin may use of the app outside a request (``parvis_event``, commands).

The app object itself (``parvis.app.Parvis``) is private: its registry, plugin manager and
catalogs change between releases. This handle is the documented, typed part.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from parvis.i18n import use_locale

if TYPE_CHECKING:
    from parvis.app import Parvis
    from parvis.db import Database
    from parvis.models import Town


class App:
    """The app as plugins see it: its database, settings, hooks and links for e-mails."""

    __slots__ = ("_parvis",)

    def __init__(self, parvis: Parvis) -> None:
        self._parvis = parvis

    @property
    def db(self) -> Database:
        """The database: ``db.session(write=True)`` opens a unit of work (committed at the end
        of the ``with`` block, rolled back on error); ``db.dialect`` is ``"sqlite"`` or
        ``"postgresql"``. A background worker keeps this object, never a session."""
        return self._parvis.db

    def session(self, *, write: bool = True) -> AbstractContextManager[Session]:
        """``with app.session() as session:``, the same as ``app.db.session()``."""
        return self._parvis.db.session(write=write)

    def setting(self, town: Town, plugin: str, key: str) -> Any:
        """A plugin setting for ``town`` (``ctx.setting`` outside a request)."""
        return self._parvis.setting(town, plugin, key)

    @property
    def hooks(self) -> Any:
        """The hook relay, to call hooks declared with ``parvis_add_hookspecs``."""
        return self._parvis.pm.hook

    @property
    def plugins(self) -> list[str]:
        """The plugins the deployment loaded (each town enables some of them)."""
        return list(self._parvis.plugins)

    def site_url(self, session: Session, town_id: int) -> str:
        """The town's own address, for links in e-mails (``ctx.base_url`` in a request)."""
        from parvis.context import site_url

        return site_url(self._parvis, session, town_id)

    def unsubscribe_url(self, base_url: str, user_id: int) -> str:
        """The one-click link every e-mail about a followed space carries."""
        from parvis.accounts.services import unsubscribe_url

        return unsubscribe_url(self._parvis.config.secret_key, base_url, user_id)

    @contextmanager
    def using_locale(self, locale: str) -> Iterator[None]:
        """Translate in ``locale`` inside the block (each reader's language)."""
        with use_locale(self._parvis.catalogs, locale):
            yield


def unwrap(app: App | Parvis) -> Parvis:
    """The private app behind ``app`` (core's helpers accept either)."""
    return app._parvis if isinstance(app, App) else app
