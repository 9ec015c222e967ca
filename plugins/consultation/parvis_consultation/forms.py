"""Forms of the survey builder (answers are parsed by ``answers.validate``)."""

from __future__ import annotations

import math

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from parvis.api import DecimalField, Form, IntegerField, Translator

T = Translator("parvis_consultation")
_l = T.lazy_gettext


class FloatField(DecimalField):
    """A bound typed the way people write numbers ("3 500,5"), kept as a float."""

    def process_formdata(self, valuelist: list) -> None:
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = float(self.data)


def finite_bound(form: Form, field: FloatField) -> None:
    """Bounds of number questions: finite and within ±10¹² ("nan" and "inf" parse as floats)."""
    if field.data is not None and not (math.isfinite(field.data) and abs(field.data) <= 1e12):
        raise ValidationError(
            T.gettext("Enter a number from %(min)s to %(max)s.", min="-10¹²", max="10¹²")
        )


# The first is how the value is written back: what a browser's datetime-local input reads.
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class SettingsForm(Form):
    intro = TextAreaField(_l("Introduction"), validators=[Length(max=10000)])
    opens_at = DateTimeLocalField(
        _l("Opens on"),
        validators=[Optional()],
        format=LOCAL_FORMATS,
        description=_l("Optional, in the town's time zone. The phase must also be “Open”."),
    )
    closes_at = DateTimeLocalField(
        _l("Closes on"),
        validators=[Optional()],
        format=LOCAL_FORMATS,
        description=_l("Optional, in the town's time zone. No answer is accepted after it."),
    )
    allow_anonymous = BooleanField(
        _l("Accept answers without an account"),
        description=_l(
            "One answer per browser, limited per network address: less reliable than accounts."
        ),
    )
    results_visibility = SelectField(
        _l("Results"),
        choices=[
            ("public", _l("Public once the consultation is closed")),
            ("admin", _l("Administrators only")),
        ],
    )
    poll_results = SelectField(
        _l("Poll results"),
        choices=[
            ("answered", _l("Shown after answering")),
            ("closed", _l("Shown only after closing")),
        ],
    )
    show_on_home = BooleanField(_l("Show this poll on the home page"))


class SectionForm(Form):
    title = StringField(_l("Section title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Section description"), validators=[Length(max=5000)])


class QuestionForm(Form):
    kind = SelectField(_l("Type of question"), choices=[])  # the registered question types
    label = StringField(_l("Question"), validators=[DataRequired(), Length(max=500)])
    help = TextAreaField(_l("Help text"), validators=[Length(max=2000)])
    required = BooleanField(_l("An answer is required"))
    section_id = SelectField(_l("Section"), coerce=int, choices=[])
    min_choices = IntegerField(
        _l("Minimum number of choices"), validators=[Optional(), NumberRange(min=0, max=100)]
    )
    max_choices = IntegerField(
        _l("Maximum number of choices"), validators=[Optional(), NumberRange(min=1, max=100)]
    )
    min_value = FloatField(_l("Smallest number accepted"), validators=[Optional(), finite_bound])
    max_value = FloatField(_l("Largest number accepted"), validators=[Optional(), finite_bound])
    scale_max = SelectField(
        _l("Scale"), coerce=int, choices=[(5, _l("1 to 5")), (10, _l("1 to 10"))], default=5
    )
    low_label = StringField(_l("Label of the lowest value"), validators=[Length(max=100)])
    high_label = StringField(_l("Label of the highest value"), validators=[Length(max=100)])
    allow_other = BooleanField(_l("Offer “Other, please specify”"))
    condition = SelectField(
        _l("Show this question only if"),
        choices=[],
        default="",
        validate_choice=False,
        description=_l("An earlier choice question has this answer."),
    )
    new_options = TextAreaField(
        _l("New options, one per line"),
        description=_l("Choices; for a table, its columns."),
    )
    new_rows = TextAreaField(_l("New table rows, one per line"))


class DecisionForm(Form):
    decision = TextAreaField(
        _l("What the town decided"),
        validators=[DataRequired(), Length(max=20000)],
        description=_l("Markdown. Followers of the space get it by e-mail when published."),
    )
