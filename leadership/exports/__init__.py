"""The quarterly outputs: readiness review, oversight lists and the files that leave the platform.

Each output reads the marts (built as of the quarter's last day), writes what the
program keeps (``program.coaching_flags``, ``program.notifications``) and delivers
its files through :mod:`leadership.exports.outbox`: deterministic names carrying the
quarter, a manifest with row counts and sha256 checksums, the same bytes on a re-run.
"""
