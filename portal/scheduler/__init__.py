"""Background jobs: the one job table, the scheduler process and the record of every run.

This package is the layer that runs domain code inside the app (as the blueprints are for
requests), so it may know the app; the domains' jobs may not. Its modules:

- ``registry``: what a job is (``Job``), what it is given (``JobContext``), the ``JobTable``;
- ``table``: the one place that fills the table, calling each domain's ``register_jobs`` in
  a fixed order, and puts it on the app (``create_app`` calls ``table.init_app``);
- ``runs``: running a job once and recording it (``JobRun``, in ``models``);
- ``leader``: the leader lock, so one scheduler runs per database;
- ``process``: the APScheduler process with every job of the table;
- ``workers``: how a job's worker processes reach the app's database;
- ``cli``: ``flask scheduler run``, ``flask jobs list``, ``flask jobs run NAME``.

A domain with background work adds ``portal/<domain>/jobs.py`` with ``register_jobs(table)``
and one line to ``table.REGISTRATIONS``. Its job functions take a ``JobContext`` (settings as
plain values, a worker context) and call one service each; they never import the app.
"""

# The modules the web layer may import (tests/unit/test_import_direction.py holds every blueprint
# to this list).
PUBLIC_MODULES = ("models", "runs", "table")
