"""The plugin's translation functions."""

from parvis.api import Translator

T = Translator("parvis_consultation")
_ = T.gettext
_l = T.lazy_gettext
ngettext = T.ngettext
