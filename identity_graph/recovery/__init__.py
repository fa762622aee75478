"""Getting back in: password reset, appeals, enterprise activation and legacy import (SPEC §6)."""
