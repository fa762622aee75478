"""Appeals (申诉, SPEC §6.1): submitted without logging in, decided by a reviewer."""
