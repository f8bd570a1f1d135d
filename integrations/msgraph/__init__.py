"""Microsoft Graph v1.0 ``calendar: getSchedule`` connector: mentors' free slots per week.

API facts it relies on (Microsoft Graph documentation, microsoftgraph/microsoft-graph-docs-contrib:
``api-reference/v1.0/api/calendar-getschedule.md``, ``resources/scheduleinformation.md``,
``resources/freebusyerror.md``, ``concepts/outlook-get-free-busy-schedule.md``,
``concepts/auth-v2-service.md``, ``concepts/throttling.md``):

- ``POST /users/{id|userPrincipalName}/calendar/getSchedule`` with ``schedules`` (SMTP
  addresses), ``startTime`` / ``endTime`` (dateTimeTimeZone: ``dateTime``, ``timeZone``) and
  ``availabilityViewInterval`` (minutes, 5 to 1440, default 30). Application permission
  ``Calendars.Read``; the ``{id}`` is any mailbox of the tenant (``extra.schedule_user``).
- The answer's ``value[]`` holds one scheduleInformation per schedule: ``scheduleId``,
  ``availabilityView`` (a digit per interval from ``startTime``: 0 free, 1 tentative,
  2 busy, 3 out of office, 4 working elsewhere; the concept page folds 4 into 0),
  ``scheduleItems`` (``status``, ``start``, ``end``; times in UTC unless the
  ``Prefer: outlook.timezone="..."`` header names a zone), ``workingHours`` (its
  ``timeZone.name`` is the mailbox's zone, often a Windows name such as
  ``Pacific Standard Time``) and, for a mailbox it cannot read, ``error``
  (freeBusyError: ``message``, ``responseCode``, e.g. ``ErrorMailRecipientNotFound``).
- At most 20 entities per call (performance drops beyond); the look-up window has a limit
  (42 days in the platform's notes, 62 in the newest concept page): windows here stay
  under 42 days.
- OAuth2 client credentials against Entra ID:
  ``POST https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`` form-encoded
  ``client_id``, ``client_secret``, ``scope=https://graph.microsoft.com/.default``,
  ``grant_type=client_credentials`` -> ``{token_type, expires_in, access_token}``.
- Throttling is 429 with ``Retry-After`` (seconds), retried by the shared HTTP layer.

How the connector reads it: the window is requested in UTC (with ``Prefer`` set to UTC
too), from the Sunday before the first week to the Monday after the last, so every
mentor's working week lies inside it whatever their zone; the availability view (15-minute
intervals by default) becomes busy intervals (digits 1, 2, 3; see
``integrations.common.calendar`` for why tentative counts), and the free slots are counted
in the mailbox's working-hours zone (``extra.timezone`` when Graph gives none we know).
``busy_minutes`` is therefore exact to the interval. getSchedule has no delta: every sync
asks for the whole window again (ceil(mailboxes / 20) calls per window of up to 5 weeks,
up to 4 in flight at once, Graph's concurrency limit per mailbox). A mailbox whose answer
makes the same rows as at the last sync (a fingerprint of its view, zone, mentors and extra
fields per window, kept in the stream's bookmark) gives no rows at all: the batch holds
the mailboxes that changed, its message counts the others, and the loader keeps only
rows that changed among those. ``leadership sync msgraph --full-refresh`` makes every
mailbox's rows again (after raw was emptied, say).

Connection ``msgraph_default``: ``login`` = client id, ``password`` = client secret, host =
the Graph base URL (default ``https://graph.microsoft.com/v1.0``); extra ``tenant_id``,
``schedule_user``, ``token_url`` (default
``https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token``), ``mailboxes``
({mentor_id: email}; else the platform passes its mentor directory), ``timezone`` (default
``UTC``), ``horizon_weeks`` (default 4), ``interval_minutes`` (default 15),
``batch_size`` (default and at most 20), ``concurrent_calls`` (calls in flight, default
and at most 4), ``today`` (pin the current week: backfills, the
simulator), ``scope``.
"""

from integrations.msgraph.client import MsGraphCalendar

__all__ = ["MsGraphCalendar"]
