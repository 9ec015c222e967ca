"""Administration forms."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    EmailField,
    FileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from parvis.contrib import Setting
from parvis.forms import Form
from parvis.i18n import gettext as _
from parvis.i18n import lazy_gettext as _l
from parvis.numbers import IntegerField
from parvis.towns import is_time_zone


class SpaceForm(Form):
    title = StringField(_l("Title"), [DataRequired(), Length(max=200)])
    summary = StringField(
        _l("Summary"), [Optional(), Length(max=300)], description=_l("One sentence shown on cards.")
    )
    description = TextAreaField(
        _l("Description"),
        [Optional(), Length(max=20000)],
        description=_l("Markdown: **bold**, *italics*, lists and links."),
    )
    kind = SelectField(_l("Kind of space"), coerce=str)
    area = SelectField(_l("Neighbourhood"), [Optional()], coerce=str)
    image = FileField(_l("Image"), description=_l("JPEG or PNG, 10 MB at most."))
    published = BooleanField(_l("Published (visible to everyone)"))


class ModuleForm(Form):
    type = SelectField(_l("Module type"), coerce=str)
    title = StringField(_l("Title"), [DataRequired(), Length(max=200)])


class PhaseForm(Form):
    phase = SelectField(_l("Phase"), coerce=str)


class AreaForm(Form):
    name = StringField(_l("Name of the neighbourhood"), [DataRequired(), Length(max=200)])


class GrantForm(Form):
    email = EmailField(_l("E-mail address of the account"), [DataRequired(), Email()])
    role = SelectField(_l("Role"), coerce=str)
    space = SelectField(_l("In space"), [Optional()], coerce=str)


class RuleForm(Form):
    role = SelectField(_l("Role"), coerce=str)
    action = SelectField(_l("Action"), coerce=str)
    space = SelectField(_l("Level"), [Optional()], coerce=str)
    allow = SelectField(_l("Effect"), choices=[("1", _l("Allow")), ("0", _l("Deny"))])


class ExplainForm(Form):
    email = EmailField(_l("E-mail address (empty for a visitor)"), [Optional(), Email()])
    action = SelectField(_l("Action"), coerce=str)
    space = SelectField(_l("In space"), [Optional()], coerce=str)


class TownForm(Form):
    name = StringField(_l("Name of the town"), [DataRequired(), Length(max=200)])
    default_locale = SelectField(_l("Default language"), coerce=str)
    theme = SelectField(_l("Theme"), coerce=str)
    plugins = SelectMultipleField(
        _l("Enabled plugins"),
        coerce=str,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    time_zone = StringField(
        _l("Time zone"),
        [Optional(), Length(max=60)],
        description=_l(
            'The town\'s clock, as a zone name such as "Europe/Paris": times are shown in it.'
        ),
    )
    accessibility_statement = TextAreaField(
        _l("Accessibility statement"),
        [Optional(), Length(max=50000)],
        description=_l("Markdown. Shown on the accessibility page linked from every page."),
    )


def check_time_zone(form: TownForm) -> bool:
    """Refuse a zone name the time zone database does not know, beside the field."""
    if form.time_zone.data and not is_time_zone(form.time_zone.data.strip()):
        form.add_error("time_zone", _("Unknown time zone: write a name such as Europe/Paris."))
        return False
    return True


def plugin_settings_form(settings: dict[str, dict[str, Setting]], plugins: list[str]) -> type[Form]:
    """A form with one field per setting of the given plugins, typed by the setting."""

    class PluginSettingsForm(Form):
        pass

    for plugin in plugins:
        for key, spec in settings.get(plugin, {}).items():
            label = spec.label or f"{plugin} — {key}"
            if spec.type is bool:
                field = BooleanField(label, description=spec.doc)
            elif spec.type is int:
                bounds = NumberRange(spec.minimum, spec.maximum)
                field = IntegerField(label, [InputRequired(), bounds], description=spec.doc)
            else:
                field = StringField(label, [Optional(), Length(max=2000)], description=spec.doc)
            setattr(PluginSettingsForm, setting_field_name(plugin, key), field)
    return PluginSettingsForm


def setting_field_name(plugin: str, key: str) -> str:
    return f"{plugin}__{key}"
