"""Forms of resident verification (residents' side and staff's)."""

from __future__ import annotations

import datetime as dt

from wtforms import (
    DateField,
    FileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from parvis.forms import Form
from parvis.i18n import lazy_gettext as _l
from parvis.numbers import IntegerField


def _past_date(form: Form, field: DateField) -> None:
    if field.data is not None and not dt.date(1900, 1, 1) <= field.data <= dt.date.today():
        raise ValidationError(_l("Enter your real date of birth."))


class IdentityForm(Form):
    """Who the resident is, as written on their documents and on the town's list."""

    family_name = StringField(
        _l("Family name"),
        [DataRequired(), Length(max=200)],
        description=_l("As on your identity document."),
    )
    given_names = StringField(
        _l("Given names"),
        [DataRequired(), Length(max=200)],
        description=_l("All of them, in the order of your identity document."),
    )
    birth_date = DateField(_l("Date of birth"), [DataRequired(), _past_date])
    area = SelectField(_l("Your neighbourhood"), [DataRequired()], coerce=str, validate_choice=True)
    address = StringField(_l("Address"), [Optional(), Length(max=300)])


class ProofForm(IdentityForm):
    proof = FileField(
        _l("Proof of address"),
        description=_l("A photo (JPEG or PNG) or a PDF, 5 MB at most, less than three months old."),
    )


class CensusForm(Form):
    family_name = IdentityForm.family_name
    given_names = IdentityForm.given_names
    birth_date = IdentityForm.birth_date
    postcode = StringField(_l("Postcode"), [DataRequired(), Length(max=20)])


class LetterForm(Form):
    code = StringField(
        _l("Code from the letter"),
        [DataRequired(), Length(max=30)],
        description=_l("Ten letters and digits, for example ABCDE-23456."),
    )
    birth_date = DateField(_l("Date of birth"), [DataRequired(), _past_date])


class SettingsForm(Form):
    methods = SelectMultipleField(
        _l("Methods offered to residents"),
        coerce=str,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    months = IntegerField(
        _l("Verifications expire after (months)"),
        [Optional(), NumberRange(min=1, max=120)],
        description=_l("Leave empty: verifications do not expire."),
    )


class SearchForm(Form):
    q = StringField(_l("E-mail address or name"), [DataRequired(), Length(min=2, max=254)])


class CounterForm(IdentityForm):
    """The same identity, as staff read it on the resident's documents."""

    family_name = StringField(_l("Family name"), [DataRequired(), Length(max=200)])
    given_names = StringField(_l("Given names"), [DataRequired(), Length(max=200)])
    area = SelectField(_l("Neighbourhood"), [DataRequired()], coerce=str, validate_choice=True)


class RefuseForm(Form):
    reason = TextAreaField(
        _l("Reason, shown to the resident"),
        [DataRequired(), Length(max=1000)],
        description=_l("Say what is missing or wrong, and what to send instead."),
    )


class UploadForm(Form):
    file = FileField(
        _l("CSV file"),
        description=_l(
            "The town's electoral or resident list: one person per line, a first line naming "
            "the columns. UTF-8 or Windows encoding, commas or semicolons."
        ),
    )


class LetterBatchForm(Form):
    days = IntegerField(
        _l("Codes are valid for (days)"),
        [DataRequired(), NumberRange(min=7, max=365)],
        default=60,
    )


class MappingForm(Form):
    """Which column holds what (choices are the file's columns, set by the view)."""

    family_name = SelectField(_l("Family name"), [DataRequired()], coerce=str)
    given_names = SelectField(_l("Given names"), [DataRequired()], coerce=str)
    birth_date = SelectField(_l("Date of birth"), [DataRequired()], coerce=str)
    address = SelectField(_l("Address"), [Optional()], coerce=str)
    postcode = SelectField(_l("Postcode"), [Optional()], coerce=str)
    area = SelectField(
        _l("Neighbourhood"),
        [Optional()],
        coerce=str,
        description=_l("A column naming the neighbourhood, as in the list of neighbourhoods."),
    )
    postcodes = TextAreaField(
        _l("Or: neighbourhood of each postcode"),
        [Optional(), Length(max=20000)],
        description=_l("One line per postcode, for example: 44100 = Centre-ville"),
    )
