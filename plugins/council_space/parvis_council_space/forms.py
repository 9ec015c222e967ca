"""Forms of the council space (labels are lazy: they are translated when shown)."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from parvis.api import Form, IntegerField

from .config import BALLOT_RULES, COUNTING_RULES
from .i18n import _l

COUNCIL_ROLE_LABELS = {
    "president": _l("President"),
    "secretary": _l("Secretary"),
    "member": _l("Member"),
}
STATUS_LABELS = {
    "submitted": _l("Submitted"),
    "feasible": _l("Feasible"),
    "not_feasible": _l("Not feasible"),
    "merged": _l("Merged"),
    "selected": _l("Selected"),
    "not_selected": _l("Not selected"),
}
FOLLOWUP_LABELS = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
}
SORT_LABELS = {
    "newest": _l("Newest first"),
    "cost_asc": _l("Cost, lowest first"),
    "cost_desc": _l("Cost, highest first"),
    "supports": _l("Most supported"),
    "title": _l("Title"),
}


class IdeaForm(Form):
    title = StringField(_l("Title"), [DataRequired(), Length(min=3, max=200)])
    description = TextAreaField(
        _l("Description"),
        [DataRequired(), Length(max=10000)],
        description=_l("What, for whom, why. Markdown: **bold**, *italics*, lists."),
    )
    estimated_cost = IntegerField(
        _l("Estimated cost (euros)"),
        [
            Optional(),
            NumberRange(min=0, message=_l("The cost cannot be negative.")),
            NumberRange(max=100_000_000, message=_l("The cost is too large.")),
        ],
        description=_l(
            "Optional: leave it empty if you do not know, staff will estimate it during the review."
        ),
    )
    area = SelectField(_l("Neighbourhood"), [DataRequired()], coerce=str)
    location = StringField(
        _l("Location"),
        [Optional(), Length(max=300)],
        description=_l("Optional: a street, a square, a building."),
    )
    image = FileField(_l("Image"), description=_l("Optional. JPEG or PNG, 10 MB at most."))


class CommentForm(Form):
    body = TextAreaField(_l("Your comment"), [DataRequired(), Length(max=5000)])


class HideForm(Form):
    reason = TextAreaField(
        _l("Public reason"),
        [DataRequired(), Length(max=1000)],
        description=_l("Shown in place of the comment."),
    )


class ReviewForm(Form):
    feasible = RadioField(
        _l("Decision"),
        [InputRequired()],
        choices=[("1", _l("Feasible: put to the vote")), ("0", _l("Not feasible"))],
    )
    reason = TextAreaField(
        _l("Public reason"),
        [DataRequired(), Length(max=5000)],
        description=_l("Shown to everyone with the idea."),
    )
    final_cost = IntegerField(
        _l("Final cost (euros)"),
        [
            Optional(),
            NumberRange(min=0, message=_l("The cost cannot be negative.")),
            NumberRange(max=100_000_000, message=_l("The cost is too large.")),
        ],
        description=_l(
            "Leave empty to keep the resident's estimate; required to put an idea without one "
            "to the vote."
        ),
    )


class NoteForm(Form):
    body = TextAreaField(
        _l("Private note"),
        [DataRequired(), Length(max=5000)],
        description=_l("Seen only by the people who review ideas, never by residents."),
    )


class BulkReviewForm(Form):
    action = RadioField(
        _l("Decision for the chosen ideas"),
        [InputRequired()],
        choices=[
            ("feasible", _l("Feasible: put to the vote")),
            ("not_feasible", _l("Not feasible")),
        ],
    )
    reason = TextAreaField(
        _l("Public reason"),
        [DataRequired(), Length(max=5000)],
        description=_l("The same reason is shown with each chosen idea."),
    )


class MergeForm(Form):
    merge_into = SelectField(_l("Duplicate of"), [DataRequired()], coerce=str)
    reason = TextAreaField(_l("Public reason"), [DataRequired(), Length(max=5000)])


class FollowupForm(Form):
    status = SelectField(
        _l("Status"), choices=[(k, v) for k, v in FOLLOWUP_LABELS.items()], coerce=str
    )
    body = TextAreaField(_l("Update"), [Optional(), Length(max=5000)])


class CallSettingsForm(Form):
    budget = IntegerField(
        _l("Budget of the call (euros)"), [InputRequired(), NumberRange(min=0, max=1_000_000_000)]
    )
    ballot_rule = RadioField(
        _l("Ballot"), choices=[(k, v) for k, v in BALLOT_RULES.items()], coerce=str
    )
    max_projects = IntegerField(
        _l("Approval: projects a voter may choose at most"),
        [InputRequired(), NumberRange(min=1, max=1000)],
    )
    max_points = IntegerField(
        _l("Points: points each voter shares"), [InputRequired(), NumberRange(min=1, max=10000)]
    )
    counting_rule = RadioField(
        _l("Counting rule"),
        choices=[(k, v) for k, v in COUNTING_RULES.items()],
        coerce=str,
        description=_l("Points ballots are always counted by most points first."),
    )
    completion = BooleanField(_l("Equal shares: spend the budget left by adding projects by votes"))
    area_only = BooleanField(_l("Only verified residents of the council's neighbourhood may vote"))
    criteria = TextAreaField(
        _l("Criteria"),
        [Optional(), Length(max=20000)],
        description=_l(
            "How ideas are reviewed and how the vote is counted; published with the call. Markdown."
        ),
    )


class MemberForm(Form):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)])
    council_role = SelectField(
        _l("Role in the council"),
        choices=[(k, v) for k, v in COUNCIL_ROLE_LABELS.items()],
        coerce=str,
    )
    email = StringField(
        _l("E-mail of their account"),
        [Optional(), Length(max=254)],
        description=_l("Optional: links the member to a resident account."),
    )


class NewsForm(Form):
    title = StringField(_l("Title"), [DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Text"), [DataRequired(), Length(max=20000)])


class MeetingForm(Form):
    title = StringField(_l("Title"), [DataRequired(), Length(max=200)])
    starts_at = DateTimeLocalField(
        _l("Date and time"), [DataRequired()], format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
    )
    location = StringField(_l("Place"), [Optional(), Length(max=300)])
    agenda = TextAreaField(_l("Agenda"), [Optional(), Length(max=20000)])
    minutes = FileField(_l("Minutes (PDF)"), description=_l("PDF, 5 MB at most."))


class MinutesForm(Form):
    minutes = FileField(_l("Minutes (PDF)"), description=_l("PDF, 5 MB at most."))


class ImportForm(Form):
    file = FileField(_l("Pabulib file (.pb)"))
