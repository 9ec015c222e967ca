"""Administration pages, one module per job; this module lists their routes. Every view checks
its permission first (``guards.py``)."""

from __future__ import annotations

from starlette.routing import Route

from parvis.admin.activity_views import activity
from parvis.admin.dates_views import module_dates
from parvis.admin.jobs_views import job_list, job_retry, job_retry_all
from parvis.admin.legal_views import legal
from parvis.admin.people_views import areas, revoke, roles, unverify
from parvis.admin.rules_views import permissions, rule_delete
from parvis.admin.spaces_views import dashboard, module_add, module_phase, space_edit, space_new
from parvis.admin.town_views import audit_log, plugin_settings, town_settings

routes = [
    Route("/admin", dashboard, name="admin:dashboard"),
    Route("/admin/activity", activity, name="admin:activity"),
    Route("/admin/spaces/new", space_new, methods=["GET", "POST"], name="admin:space_new"),
    Route("/admin/spaces/{space_id:int}", space_edit, methods=["GET", "POST"], name="admin:space"),
    Route(
        "/admin/spaces/{space_id:int}/modules",
        module_add,
        methods=["POST"],
        name="admin:module_add",
    ),
    Route(
        "/admin/modules/{module_id:int}/phase",
        module_phase,
        methods=["POST"],
        name="admin:module_phase",
    ),
    Route(
        "/admin/modules/{module_id:int}/dates",
        module_dates,
        methods=["GET", "POST"],
        name="admin:module_dates",
    ),
    Route("/admin/areas", areas, methods=["GET", "POST"], name="admin:areas"),
    Route("/admin/roles", roles, methods=["GET", "POST"], name="admin:roles"),
    Route("/admin/roles/{grant_id:int}/revoke", revoke, methods=["POST"], name="admin:revoke"),
    Route(
        "/admin/verified/{user_id:int}/revoke", unverify, methods=["POST"], name="admin:unverify"
    ),
    Route("/admin/permissions", permissions, methods=["GET", "POST"], name="admin:permissions"),
    Route(
        "/admin/permissions/{rule_id:int}/delete",
        rule_delete,
        methods=["POST"],
        name="admin:rule_delete",
    ),
    Route("/admin/town", town_settings, methods=["GET", "POST"], name="admin:town"),
    Route("/admin/legal", legal, methods=["GET", "POST"], name="admin:legal"),
    Route(
        "/admin/plugin-settings",
        plugin_settings,
        methods=["GET", "POST"],
        name="admin:plugin_settings",
    ),
    Route("/admin/audit", audit_log, name="admin:audit"),
    Route("/admin/jobs", job_list, name="admin:jobs"),
    Route("/admin/jobs/{job_id:int}/retry", job_retry, methods=["POST"], name="admin:job_retry"),
    Route("/admin/jobs/retry-failed", job_retry_all, methods=["POST"], name="admin:job_retry_all"),
]
