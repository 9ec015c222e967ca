"""Pages of survey and poll modules, one module per page family; ``ROUTES`` mounts them."""

from __future__ import annotations

from starlette.routing import Route

from parvis_consultation.views.answering import conditions_css, index, preview
from parvis_consultation.views.builder import (
    manage,
    manage_settings,
    publish_decision,
    section_add,
    section_edit,
)
from parvis_consultation.views.questions import question_edit, question_new
from parvis_consultation.views.results import export_csv, moderate, results, results_json

ROUTES = [
    Route("/", index, methods=["GET", "POST"], name="index"),
    Route("/preview", preview, name="preview"),
    Route("/conditions.css", conditions_css, name="conditions_css"),
    Route("/results", results, name="results"),
    Route("/results.json", results_json, name="results_json"),
    Route("/export.csv", export_csv, name="export"),
    Route("/moderate", moderate, methods=["GET", "POST"], name="moderate"),
    Route("/manage", manage, name="manage"),
    Route("/manage/settings", manage_settings, methods=["POST"], name="settings"),
    Route("/manage/sections", section_add, methods=["POST"], name="section_add"),
    Route("/manage/sections/{section:int}", section_edit, methods=["POST"], name="section"),
    Route("/manage/questions/new", question_new, methods=["GET", "POST"], name="question_new"),
    Route(
        "/manage/questions/{question:int}",
        question_edit,
        methods=["GET", "POST"],
        name="question",
    ),
    Route("/manage/decision", publish_decision, methods=["POST"], name="decision"),
]
