"""The plugin's translation domain, ``parvis_petitions``."""

from parvis.api import Translator

T = Translator("parvis_petitions")
_ = T.gettext
_l = T.lazy_gettext
