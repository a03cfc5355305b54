"""Personal reports posted to the notification inbox (the monthly report)."""
