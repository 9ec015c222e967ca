"""Forms of the volunteering pages. Choices (causes, skills, neighbourhoods) are filled per
request from the town's lists, so a key outside them is refused (no free tags)."""

from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FileField,
    FormField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms import Form as PlainForm
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)
from wtforms.widgets import CheckboxInput, ListWidget

from parvis.api import DecimalField, Form, IntegerField

from .i18n import _l

WEEKDAYS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)
PART_LABELS = (_l("morning"), _l("afternoon"), _l("evening"))


def time_choices() -> list[tuple[str, str]]:
    return [(f"{w}-{p}", f"{WEEKDAYS[w]} {PART_LABELS[p]}") for w in range(7) for p in range(3)]


def parse_times(values: list[str]) -> list[tuple[int, int]]:
    return [(int(v[0]), int(v[2])) for v in values]


def Checkboxes(label: Any, validators: Any = (), **kwargs: Any) -> SelectMultipleField:
    return SelectMultipleField(
        label,
        validators,
        coerce=str,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        **kwargs,
    )


class AssociationForm(Form):
    name = StringField(_l("Name of the association"), [DataRequired(), Length(max=200)])
    purpose = TextAreaField(
        _l("What the association does"),
        [DataRequired(), Length(max=5000)],
        description=_l("Markdown. Shown on its public page."),
    )
    website = URLField(_l("Website"), [Optional(), URL(), Length(max=300)])
    contact_email = EmailField(_l("Public contact e-mail"), [Optional(), Email(), Length(max=254)])
    contact_phone = TelField(_l("Public contact phone"), [Optional(), Length(max=40)])
    areas = Checkboxes(_l("Neighbourhoods served"))
    causes = Checkboxes(_l("Causes"), [DataRequired()])
    logo = FileField(_l("Logo (image)"), description=_l("Optional. JPEG, PNG or WebP."))


class SlotForm(PlainForm):
    date = DateField(_l("Date"), [Optional()])
    start = TimeField(_l("Start"), [Optional()])
    end = TimeField(_l("End"), [Optional()])
    places = IntegerField(_l("Places"), [Optional(), NumberRange(min=1, max=1000)])


class MissionForm(Form):
    title = StringField(_l("Title"), [DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("Description"), [DataRequired(), Length(max=10000)], description=_l("Markdown.")
    )
    cause = SelectField(_l("Cause"), [DataRequired()], coerce=str)
    skills = Checkboxes(_l("Skills wanted"))
    remote = BooleanField(_l("Done remotely (from home)"))
    area = SelectField(_l("Neighbourhood"), [Optional()], coerce=str)
    address = StringField(_l("Address"), [Optional(), Length(max=300)])
    kind = RadioField(
        _l("When"),
        [InputRequired()],
        choices=[
            ("slots", _l("On given dates (one-off slots)")),
            ("recurring", _l("Every week (recurring commitment)")),
        ],
        default="slots",
    )
    slots = FieldList(FormField(SlotForm), min_entries=3, max_entries=20)
    times = Checkboxes(_l("Weekly times"))
    weeks = IntegerField(_l("For how many weeks"), [Optional(), NumberRange(min=1, max=104)])
    hours_per_session = DecimalField(
        _l("Hours each time"), [Optional(), NumberRange(min=0.5, max=24)], places=1
    )
    places = IntegerField(
        _l("Volunteers wanted"), [Optional(), NumberRange(min=1, max=1000)], default=1
    )
    min_age = IntegerField(
        _l("Minimum age"),
        [InputRequired(), NumberRange(min=0, max=120)],
        default=0,
        description=_l("0 for no minimum."),
    )
    accessibility = TextAreaField(
        _l("Accessibility"),
        [Optional(), Length(max=2000)],
        description=_l("Step-free access, seated work, quiet place, sign language…"),
    )


class ProfileForm(Form):
    skills = Checkboxes(_l("My skills"))
    causes = Checkboxes(_l("Causes I care about"))
    times = Checkboxes(_l("When I am available"))
    area = SelectField(_l("My neighbourhood"), [Optional()], coerce=str)
    phone = TelField(
        _l("Phone"),
        [Optional(), Length(max=40)],
        description=_l("Only for the associations you apply to."),
    )
    suggest = BooleanField(_l("Suggest missions to me"), default=True)
    contactable = BooleanField(
        _l("Associations may invite me to missions (they see my skills, never my contact details)")
    )


class ApplyForm(Form):
    slot = RadioField(_l("Date"), [InputRequired()], coerce=str)
    message = TextAreaField(
        _l("Message to the association"),
        [Optional(), Length(max=2000)],
        description=_l("Optional: why you, what you can bring, questions."),
    )


class MessageForm(Form):
    body = TextAreaField(
        _l("Your message"), [DataRequired(), Length(max=5000)], description=_l("Markdown.")
    )


class ReasonForm(Form):
    reason = TextAreaField(
        _l("Reason (the volunteer reads it)"), [DataRequired(), Length(max=2000)]
    )


class StaffDecisionForm(Form):
    message = TextAreaField(
        _l("Message to the managers"),
        [Optional(), Length(max=2000)],
        description=_l("Required to refuse or suspend: say why and what to change."),
    )


class InviteForm(Form):
    email = EmailField(_l("E-mail address"), [DataRequired(), Email(), Length(max=254)])


class TermForm(Form):
    kind = SelectField(
        _l("List"), choices=[("cause", _l("Causes")), ("skill", _l("Skills"))], coerce=str
    )
    label = StringField(_l("Label"), [DataRequired(), Length(max=100)])
