"""The notification inbox: what happened to a user (a voucher issued, a record decided …),
posted by the service that made it happen, in the same transaction, and read on
``/me/notifications`` with an unread count in every page's header.

A notification is stored as a ``kind`` code of ``portal.notifications.kinds`` plus JSON
parameters and put into the reader's language only when shown
(``portal.blueprints.shared.notification_texts``), as review reasons are.
"""
