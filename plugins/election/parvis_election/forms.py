"""Forms of the election plugin (labels are lazy: translated when shown)."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    FileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from parvis.api import Form, IntegerField

from .config import GENDER_LABELS, METHOD_LABELS, ORDER_LABELS
from .i18n import _, _l


class SettingsForm(Form):
    method = RadioField(_l("Voting method"), choices=list(METHOD_LABELS.items()))
    max_choices = IntegerField(
        _l("Block vote: most candidates a voter may choose"),
        [Optional(), NumberRange(min=1, max=500)],
        description=_l("Leave empty to allow as many as the seats."),
    )
    min_age = IntegerField(
        _l("Minimum age on election day"), [InputRequired(), NumberRange(min=0, max=120)]
    )
    election_day = DateField(_l("Election day"), [Optional()])
    candidacy_deadline = DateField(_l("Last day to apply"), [Optional()])
    voting_start = DateField(_l("First day of online voting"), [Optional()])
    voting_end = DateField(_l("Last day of online voting"), [Optional()])
    ballot_order = RadioField(
        _l("Order of candidates on the ballot"), choices=list(ORDER_LABELS.items())
    )
    parity = BooleanField(_l("Gender parity: seats of women and men differ by at most one"))
    tie_seed = StringField(
        _l("Tie-break seed"),
        [Length(max=200)],
        description=_l("Published text that seeds the drawing of lots between tied candidates."),
    )
    description = TextAreaField(_l("About this election"), [Length(max=10000)])

    def validate_voting_end(self, field: DateField) -> None:
        start = self.voting_start.data
        if start and field.data and field.data < start:
            raise ValueError(_("The last day cannot come before the first day."))


class ConstituencyForm(Form):
    area = SelectField(_l("Neighbourhood"), coerce=str, validators=[DataRequired()])
    seats = IntegerField(_l("Seats"), [InputRequired(), NumberRange(min=1, max=200)])


class CandidacyForm(Form):
    name = StringField(_l("Name on the ballot"), [DataRequired(), Length(min=2, max=100)])
    statement = TextAreaField(
        _l("Your statement"),
        [DataRequired(), Length(min=20, max=5000)],
        description=_l("Who you are and what you want to do for the neighbourhood (Markdown)."),
    )
    photo = FileField(_l("Photo (JPEG or PNG, optional)"))
    gender = SelectField(
        _l("Gender"),
        choices=[("", _l("I prefer not to say")), *GENDER_LABELS.items()],
        description=_l("Only used to apply gender parity when the election has it."),
    )


class ReviewForm(Form):
    decision = RadioField(
        _l("Decision"),
        choices=[("accept", _l("Accept")), ("refuse", _l("Refuse"))],
        validators=[InputRequired()],
    )
    reason = TextAreaField(
        _l("Reason (shown to the candidate)"),
        [Length(max=2000)],
        description=_l("Required for a refusal."),
    )


class PaperForm(Form):
    constituency = SelectField(_l("Constituency"), coerce=str, validators=[DataRequired()])
    station = StringField(_l("Polling station"), [DataRequired(), Length(max=100)])
    signatures = IntegerField(
        _l("Signatures on the sign-in list"), [InputRequired(), NumberRange(min=0, max=100000)]
    )
    ballots = TextAreaField(
        _l("Ballots, one per line"),
        [Length(max=500_000)],
        description=_l(
            "The numbers of the candidates marked on each ballot, separated by spaces; for a "
            "ranked ballot, in order of preference."
        ),
    )
